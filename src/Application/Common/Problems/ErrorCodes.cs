using Ardalis.Result;
using CadMl.Domain.Storage;

namespace CadMl.Application.Common.Problems;

/// <summary>
/// One error code of the service: its name on the wire, the HTTP status it is answered with, the
/// stage that usually reports it and what it means. Only <see cref="ErrorCodes"/> creates them,
/// so a <see cref="Problem"/> cannot carry a code the catalogue does not know.
/// </summary>
public sealed class ErrorCode
{
    private ErrorCode(string name, int httpStatus, string stage, string meaning)
    {
        Name = name;
        HttpStatus = httpStatus;
        Stage = stage;
        Meaning = meaning;
        Result = ResultOf(httpStatus);
    }

    public string Name { get; }

    public int HttpStatus { get; }

    /// <summary>The stage a caller usually sees with this code (some codes are reported by more than one).</summary>
    public string Stage { get; }

    public string Meaning { get; }

    /// <summary>How a use case's result reports it (and the outcome label of the use-case metrics).</summary>
    public ResultStatus Result { get; }

    public override string ToString() => Name;

    internal static ErrorCode Create(string name, int httpStatus, string stage, string meaning) => new(name, httpStatus, stage, meaning);

    private static ResultStatus ResultOf(int httpStatus) => httpStatus switch
    {
        401 => ResultStatus.Unauthorized,
        403 => ResultStatus.Forbidden,
        404 => ResultStatus.NotFound,
        409 => ResultStatus.Conflict,
        503 => ResultStatus.Unavailable,
        >= 500 and not 504 => ResultStatus.CriticalError,
        // 400, 405, 413, 415, 422 and the parse budget's 504: the caller's input was refused.
        _ => ResultStatus.Invalid,
    };
}

/// <summary>
/// The catalogue of every error code the service answers with (docs/ERROR_CODES.md lists the same
/// table, and a test keeps the two equal). Adding a code is one <see cref="Define"/> line here and
/// one row there; handlers, the HTTP mapper and the tests all read these fields, never strings.
/// </summary>
public static class ErrorCodes
{
    // Declared first: static fields initialise in text order, and every Define below adds to it.
    private static readonly List<ErrorCode> Catalogue = [];

    // Request and upload
    public static readonly ErrorCode InputValidationFailed = Define("INPUT_VALIDATION_FAILED", 422, "validation", "A field of the request is not valid; context.errors names each one.");
    public static readonly ErrorCode MalformedRequest = Define("MALFORMED_REQUEST", 400, "input", "The request could not be read as sent.");
    public static readonly ErrorCode MultipartInvalid = Define("MULTIPART_INVALID", 400, "upload", "The multipart body breaks the format.");
    public static readonly ErrorCode UnsupportedMediaType = Define("UNSUPPORTED_MEDIA_TYPE", 415, "upload", "The route does not accept the request's Content-Type.");
    public static readonly ErrorCode FormTooLarge = Define("FORM_TOO_LARGE", 413, "upload", "The form fields beside the file are larger than accepted.");
    public static readonly ErrorCode FileTooLarge = Define("FILE_TOO_LARGE", 413, "input", "The file or request body is larger than ANALYSIS_MAX_FILE_MB.");
    public static readonly ErrorCode EmptyFile = Define("EMPTY_FILE", 400, "input", "The uploaded file is empty.");
    public static readonly ErrorCode UnsupportedFormat = Define("UNSUPPORTED_FORMAT", 400, "input", "The file extension is not a supported CAD format.");
    public static readonly ErrorCode UnsupportedInputDwg = Define("UNSUPPORTED_INPUT_DWG", 415, "input", "DWG is not read; export the drawing as DXF.");
    public static readonly ErrorCode FormatMismatch = Define("FORMAT_MISMATCH", 415, "input", "The content shows another format than the extension names.");

    // Idempotency-Key (analyze and vector registration)
    public static readonly ErrorCode IdempotencyKeyReused = Define("IDEMPOTENCY_KEY_REUSED", 422, "idempotency", "The Idempotency-Key was already used with a different request; use a new key.");
    public static readonly ErrorCode IdempotencyKeyInProgress = Define("IDEMPOTENCY_KEY_IN_PROGRESS", 409, "idempotency", "A request with this Idempotency-Key is still running; retry after Retry-After for its answer.");

    // Analysis
    public static readonly ErrorCode ParseFailed = Define("PARSE_FAILED", 422, "parse", "The file could not be read as the format its extension claims.");
    public static readonly ErrorCode ParseTimeout = Define("PARSE_TIMEOUT", 504, "parse", "Parsing ran past PARSE_TIMEOUT_SECONDS.");
    public static readonly ErrorCode InvalidGeometry = Define("INVALID_GEOMETRY", 422, "parse", "The geometry is non-finite or too large to give finite features.");
    public static readonly ErrorCode InvalidBlockReference = Define("INVALID_BLOCK_REFERENCE", 422, "parse", "A DXF block references itself, directly or through other blocks.");
    public static readonly ErrorCode BlockNestingTooDeep = Define("BLOCK_NESTING_TOO_DEEP", 422, "parse", "DXF blocks are nested deeper than the reader follows.");
    public static readonly ErrorCode Overloaded = Define("OVERLOADED", 503, "admission", "The service is at capacity for analyses; retry after Retry-After.");
    public static readonly ErrorCode AnalysisNotFound = Define("ANALYSIS_NOT_FOUND", 404, "lookup", "No analysis has this id.");

    // Vectors and migration
    public static readonly ErrorCode VectorNotFound = Define("VECTOR_NOT_FOUND", 404, "lookup", "No vector has this id.");
    public static readonly ErrorCode VectorEarlierLayout = Define("VECTOR_EARLIER_LAYOUT", 409, "read", "The stored vector has a layout an earlier release wrote (v5 with 73 slots); it is left out of search until migrated or analysed again (context id, values, expected, format, action).");
    public static readonly ErrorCode DimensionMismatch = Define("DIMENSION_MISMATCH", 422, "dimension_check", "The vector's length does not match its feature version.");
    public static readonly ErrorCode IndexLagging = Define("INDEX_LAGGING", 503, "index", "min_generation asked for a store generation this replica's index had not reached within MIN_GENERATION_WAIT_MILLISECONDS (context wanted_generation, applied_generation); retry.");
    public static readonly ErrorCode MigrationInProgress = Define("MIGRATION_IN_PROGRESS", 409, "exclusive", "Another migration is running: on this replica, or on the replica that holds the fleet lease (context holder, epoch, lease_expires_at).");

    // Similarity index recovery
    public static readonly ErrorCode RecoveryInProgress = Define("RECOVERY_IN_PROGRESS", 409, "recovery", "Another manual recovery is running.");
    public static readonly ErrorCode RebuildInProgress = Define("REBUILD_IN_PROGRESS", 409, "recovery", "Another FAISS rebuild holds the fleet's rebuild lease (one at a time across the fleet): on another replica, or a background rebuild on this one (context holder, epoch, lease_expires_at); retry when it ends.");
    public static readonly ErrorCode RecoverySuppressed = Define("RECOVERY_SUPPRESSED", 409, "recovery", "Recovery is suppressed after flapping until context.suppressed_until_ts; force=true overrides.");

    // Feature cache
    public static readonly ErrorCode CacheSettingsBusy = Define("CACHE_SETTINGS_BUSY", 409, "exclusive", "Another cache settings change, rollback or prewarm is running.");
    public static readonly ErrorCode CacheRollbackWindowActive = Define("CACHE_ROLLBACK_WINDOW_ACTIVE", 409, "cache_apply", "A previous change can still be rolled back; roll back or wait for the window to close.");
    public static readonly ErrorCode CacheNoSnapshot = Define("CACHE_NO_SNAPSHOT", 404, "cache_rollback", "There is no earlier setting to roll back to.");
    public static readonly ErrorCode CacheRollbackExpired = Define("CACHE_ROLLBACK_EXPIRED", 409, "cache_rollback", "The rollback window has closed.");

    // Model
    public static readonly ErrorCode ModelNotLoaded = Define("MODEL_NOT_LOADED", 404, "model", "No model is serving.");
    public static readonly ErrorCode ReloadInProgress = Define("RELOAD_IN_PROGRESS", 409, "exclusive", "Another model reload is running.");
    public static readonly ErrorCode ModelPathInvalid = Define("MODEL_PATH_INVALID", 422, "resolve", "The path leaves the model folder, escapes it by a link, or is not a regular file.");
    public static readonly ErrorCode ModelNotFound = Define("MODEL_NOT_FOUND", 404, "resolve", "There is no model file at that path in the model folder.");
    public static readonly ErrorCode ModelSizeExceeded = Define("MODEL_SIZE_EXCEEDED", 413, "size", "The model file is larger than MODEL_MAX_MB.");
    public static readonly ErrorCode ModelHashNotAllowed = Define("MODEL_HASH_NOT_ALLOWED", 422, "hash_check", "The file's SHA-256 is not in ALLOWED_MODEL_HASHES.");
    public static readonly ErrorCode ModelFormatInvalid = Define("MODEL_FORMAT_INVALID", 422, "parse", "The file is not a readable ONNX model.");
    public static readonly ErrorCode ModelOpcodeBlocked = Define("MODEL_OPCODE_BLOCKED", 422, "opcode_scan", "The model uses an operator MODEL_OPCODE_MODE refuses, a custom domain or external data.");
    public static readonly ErrorCode ModelInterfaceInvalid = Define("MODEL_INTERFACE_INVALID", 422, "interface", "The model's inputs or outputs do not fit the service.");
    public static readonly ErrorCode ModelVersionMismatch = Define("MODEL_VERSION_MISMATCH", 409, "version", "The model's feature version does not match the one the service serves.");
    public static readonly ErrorCode ModelSmokeFailed = Define("MODEL_SMOKE_FAILED", 422, "smoke", "The model failed its smoke inference.");

    // Durable store
    public static readonly ErrorCode StoreUnavailable = Define("STORE_UNAVAILABLE", 503, "store", "The durable store could not be opened.");
    public static readonly ErrorCode StoreDamaged = Define("STORE_DAMAGED", 503, "store", "The durable store reported corruption; see docs/RUNBOOK_STORE.md.");
    public static readonly ErrorCode StoreOpening = Define("STORE_OPENING", 503, "store", "The durable store is still opening.");
    public static readonly ErrorCode StoreMissing = Define(StoreStartupRule.MissingCode, 503, "store", "The store /health remembers is gone; STORE_ACCEPT_LOSS_OF accepts the loss.");
    public static readonly ErrorCode StoreIdentityMismatch = Define(StoreStartupRule.MismatchCode, 503, "store", "DATA_DIR holds another store than the one recorded.");
    public static readonly ErrorCode StoreRolledBack = Define(StoreStartupRule.RolledBackCode, 503, "store", "The store is older than writes this service acknowledged.");
    public static readonly ErrorCode StoreSchemaIncompatible = Define(SchemaCompatibilityRule.IncompatibleCode, 503, "store", "The shared store's schema was contracted past what this build can use; run a newer release.");
    public static readonly ErrorCode StoreOperationUnsupported = Define("STORE_OPERATION_UNSUPPORTED", 409, "store", "The operation exists only on the SQLite store; use the PostgreSQL server's own tools.");
    public static readonly ErrorCode IntegrityCheckInProgress = Define("INTEGRITY_CHECK_IN_PROGRESS", 409, "exclusive", "Another integrity check is running.");
    public static readonly ErrorCode BackupInProgress = Define("BACKUP_IN_PROGRESS", 409, "exclusive", "Another backup is running.");
    public static readonly ErrorCode BackupExists = Define("BACKUP_EXISTS", 409, "backup", "A backup of that name exists; backups are never overwritten.");

    // Per-replica admin operations (degrade drill, manual recover, opcode audit) in a fleet
    public static readonly ErrorCode ReplicaRequired = Define("REPLICA_REQUIRED", 400, "replica_target", "In a fleet (STORE_BACKEND=postgres) an admin operation that acts on one replica needs ?replica=<id> or ?scope=all (not both; scope takes only 'all'); context.live_replicas lists the replicas it can name.");
    public static readonly ErrorCode ReplicaUnknown = Define("REPLICA_UNKNOWN", 404, "replica_target", "No replica with that id has a heartbeat row in the shared store; context.live_replicas lists the live ones.");
    public static readonly ErrorCode ReplicaUnreachable = Define("REPLICA_UNREACHABLE", 502, "forward", "The named replica could not take the forwarded operation: its heartbeat is stale, it advertises no allowed REPLICA_URL, or it did not answer (context replica_id, reason).");
    public static readonly ErrorCode ReplicaScopeIncomplete = Define("REPLICA_SCOPE_INCOMPLETE", 502, "forward", "scope=all: at least one live replica did not answer 2xx; context.replicas holds every replica's status and answer, the others ran.");

    // Service
    public static readonly ErrorCode NotReady = Define("NOT_READY", 503, "readiness", "A gating component is not ready; context names the failing checks.");
    public static readonly ErrorCode ReplicaLost = Define("REPLICA_LOST", 502, "balancer", "The fleet's balancer lost the replica that was handling the request (killed, crashed); a write may or may not have committed: retry with the same Idempotency-Key.");
    public static readonly ErrorCode AuthMissingApiKey = Define("AUTH_MISSING_API_KEY", 401, "auth", "The X-API-Key header is missing.");
    public static readonly ErrorCode AuthInvalidApiKey = Define("AUTH_INVALID_API_KEY", 401, "auth", "The X-API-Key header holds no accepted key.");
    public static readonly ErrorCode AuthMissingAdminToken = Define("AUTH_MISSING_ADMIN_TOKEN", 401, "auth", "An admin operation without the X-Admin-Token header.");
    public static readonly ErrorCode AuthInvalidAdminToken = Define("AUTH_INVALID_ADMIN_TOKEN", 403, "auth", "The X-Admin-Token header does not hold the admin token.");
    public static readonly ErrorCode RouteNotFound = Define("ROUTE_NOT_FOUND", 404, "routing", "No such route.");
    public static readonly ErrorCode MethodNotAllowed = Define("METHOD_NOT_ALLOWED", 405, "routing", "The method is not allowed on this route.");
    public static readonly ErrorCode InternalError = Define("INTERNAL_ERROR", 500, "server", "A bug; logged with the trace id, never with details in the body.");

    // A use case that failed without a code of its own gets one for its result status (none does today).
    public static readonly ErrorCode Invalid = Define("INVALID", 422, "handler", "A use case refused the request without a specific code.");
    public static readonly ErrorCode NotFound = Define("NOT_FOUND", 404, "handler", "A use case found nothing, without a specific code.");
    public static readonly ErrorCode Conflict = Define("CONFLICT", 409, "handler", "A use case reported a conflict without a specific code.");
    public static readonly ErrorCode Unavailable = Define("UNAVAILABLE", 503, "handler", "A use case was unavailable without a specific code.");
    public static readonly ErrorCode Unauthorized = Define("UNAUTHORIZED", 401, "handler", "A use case refused the caller without a specific code.");
    public static readonly ErrorCode Forbidden = Define("FORBIDDEN", 403, "handler", "A use case forbade the operation without a specific code.");

    /// <summary>The prefix of the one code family: a framework answer no entry above describes (<c>HTTP_431</c>).</summary>
    public const string FrameworkPrefix = "HTTP_";

    public static IReadOnlyList<ErrorCode> All => Catalogue;

    /// <summary>The code for a framework answer with no entry of its own, keeping its status.</summary>
    public static ErrorCode Framework(int httpStatus) =>
        ErrorCode.Create($"{FrameworkPrefix}{httpStatus}", httpStatus, "http", "A framework answer with no code of its own.");

    /// <summary>A catalogued code by name (codes that reach the service as data, e.g. the store's start-up verdict); null if unknown.</summary>
    public static ErrorCode? Find(string name) => Catalogue.Find(code => string.Equals(code.Name, name, StringComparison.Ordinal));

    /// <summary>The generic code of a failed result that carries no problem of its own.</summary>
    public static ErrorCode ForResult(ResultStatus status) => status switch
    {
        ResultStatus.Invalid => Invalid,
        ResultStatus.NotFound => NotFound,
        ResultStatus.Conflict => Conflict,
        ResultStatus.Unavailable => Unavailable,
        ResultStatus.Unauthorized => Unauthorized,
        ResultStatus.Forbidden => Forbidden,
        _ => InternalError,
    };

    private static ErrorCode Define(string name, int httpStatus, string stage, string meaning)
    {
        var code = ErrorCode.Create(name, httpStatus, stage, meaning);
        Catalogue.Add(code);
        return code;
    }
}
