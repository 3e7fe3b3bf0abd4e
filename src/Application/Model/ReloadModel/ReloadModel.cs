using System.Security.Cryptography;
using Ardalis.Result;
using CadMl.Application.Fleet;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Problems;
using CadMl.Application.Common.Ports;
using CadMl.Application.Model.Ports;
using CadMl.Application.Model.Serving;
using CadMl.Domain.Classification;
using CadMl.Domain.Features;
using Mediator;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Model.ReloadModel;

/// <summary>
/// Load the classifier at <paramref name="Path"/> (relative to <c>MODEL_DIR</c>) through every
/// check and make it the serving model. <paramref name="Origin"/> says who asked (<c>api</c>,
/// <c>startup</c>, <c>fleet</c> when a replica follows its track's desired model) for logs and
/// health; it is not part of the HTTP body. Only <c>api</c> reloads change the desired model.
/// </summary>
public sealed record ReloadModelCommand(string Path, string? ExpectedVersion = null, bool Force = false, string Origin = "api")
    : IUseCaseCommand<ModelReloadDto>, IExclusiveMessage
{
    public string ExclusiveGroup => "model_reload";

    public ErrorCode BusyCode => ErrorCodes.ReloadInProgress;
}

/// <summary>
/// The staged load of DESIGN.md §3: one bounded read, then every check on that buffer in order,
/// each failure a problem naming its stage. Nothing before <see cref="ReloadStage.Commit"/> touches
/// the serving model, so any failure leaves it exactly as it was.
/// </summary>
internal sealed partial class ReloadModelHandler(
    IModelFileStore files,
    IModelArtifactScanner scanner,
    IModelRuntime runtime,
    ModelRegistry registry,
    OpcodeAudit audit,
    IModelMetrics metrics,
    IServedModelRecord servedModel,
    IDesiredModelStore desiredModels,
    IOptions<ModelOptions> options,
    ReplicaIdentity identity,
    IDeploymentEnvironment environment,
    TimeProvider time,
    ILogger<ReloadModelHandler> logger) : ICommandHandler<ReloadModelCommand, Result<ModelReloadDto>>
{
    /// <summary>A model whose smoke inference takes longer than this would not serve requests anyway.</summary>
    private static readonly TimeSpan SmokeBudget = TimeSpan.FromSeconds(10);

    public async ValueTask<Result<ModelReloadDto>> Handle(ReloadModelCommand command, CancellationToken cancellationToken)
    {
        var clock = new StageClock(time, metrics, cancellationToken);
        var result = Load(command, clock, cancellationToken);
        var total = clock.Finish();

        if (result.IsSuccess)
        {
            metrics.ReloadFinished("success");
            registry.Record(new ReloadOutcome("success", null, null, null, result.Value.Model.Path, result.Value.Model.ModelVersion, time.GetUtcNow(), total));
            LogLoaded(command.Origin, result.Value.Model.ModelVersion, result.Value.Model.Sha256, total);
            if (command.Origin == "api")
            {
                // Only an operator's choice is remembered; start-up and fleet loads follow the record, they do not rewrite it.
                // The store's row is what the replicas of this track converge on; the data folder's
                // copy lets this replica restart on it even before the store answers.
                var entry = new ServedModelEntry(result.Value.Model.Path, result.Value.Model.Sha256, result.Value.Model.ModelVersion, time.GetUtcNow());
                servedModel.Write(entry);
                await desiredModels.WriteAsync(identity.Track, entry, identity.Id, CancellationToken.None);
            }

            return result.Value with { StageDurationsMs = clock.Durations, TotalDurationMs = total };
        }

        var problem = result.ToProblem();
        metrics.ReloadFinished(problem.Code.Replace("MODEL_", "", StringComparison.Ordinal).ToLowerInvariant());
        var path = ModelPathRules.Check(command.Path, out var relative) is null ? relative : null;
        registry.Record(new ReloadOutcome("failed", problem.Stage, problem.Code, problem.Message, path, null, time.GetUtcNow(), total));
        LogRefused(command.Origin, problem.Stage, problem.Code, problem.Message);

        var context = new Dictionary<string, object?>(problem.Context) { ["stage_durations_ms"] = clock.Durations };
        return (problem with { Context = context }).ToResult<ModelReloadDto>();
    }

    private Result<ModelReloadDto> Load(ReloadModelCommand command, StageClock clock, CancellationToken cancellationToken)
    {
        var settings = options.Value;

        clock.Begin(ReloadStage.Resolve);
        if (ModelPathRules.Check(command.Path, out var relative) is { } violation)
        {
            return Refuse("path_" + violation.Name(), new Problem(ErrorCodes.ModelPathInvalid, Stage(ReloadStage.Resolve),
                violation.Describe(), new Dictionary<string, object?> { ["reason"] = violation.Name(), ["folder"] = "MODEL_DIR" }));
        }

        var opening = files.Open(relative);
        switch (opening.Status)
        {
            case ModelFileStatus.NotFound:
                return new Problem(ErrorCodes.ModelNotFound, Stage(ReloadStage.Resolve), "There is no model file at that path in the model folder.",
                    new Dictionary<string, object?> { ["path"] = relative, ["folder"] = "MODEL_DIR" }).ToResult<ModelReloadDto>();
            case ModelFileStatus.OutsideFolder:
                return Refuse("path_symlink_escape", new Problem(ErrorCodes.ModelPathInvalid, Stage(ReloadStage.Resolve),
                    "The path leads out of the model folder through a link.",
                    new Dictionary<string, object?> { ["reason"] = "symlink_escape", ["path"] = relative, ["folder"] = "MODEL_DIR" }));
            case ModelFileStatus.NotAFile:
                return new Problem(ErrorCodes.ModelPathInvalid, Stage(ReloadStage.Resolve), "The path does not name a regular file.",
                    new Dictionary<string, object?> { ["reason"] = "not_a_file", ["path"] = relative }).ToResult<ModelReloadDto>();
        }

        byte[]? bytes;
        using (var file = opening.File!)
        {
            clock.Begin(ReloadStage.Size);
            bytes = file.ReadBounded(settings.MaxBytes, cancellationToken);
        }

        if (bytes is null)
        {
            return Refuse("size_exceeded", new Problem(ErrorCodes.ModelSizeExceeded, Stage(ReloadStage.Size),
                $"The model file is larger than MODEL_MAX_MB ({settings.MaxMb} MiB).",
                new Dictionary<string, object?> { ["limit_mb"] = settings.MaxMb, ["limit_bytes"] = settings.MaxBytes, ["path"] = relative }));
        }

        clock.Begin(ReloadStage.HashCheck);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var allowlist = settings.HashAllowlist;
        var decision = allowlist.Decide(sha256, environment.IsDevelopment);
        if (decision != HashDecision.Allowed)
        {
            var message = decision == HashDecision.NotListed
                ? "The model's SHA-256 is not in ALLOWED_MODEL_HASHES."
                : "ALLOWED_MODEL_HASHES is empty; outside Development no model is trusted without it.";
            return Refuse("hash_not_allowed", new Problem(ErrorCodes.ModelHashNotAllowed, Stage(ReloadStage.HashCheck), message,
                new Dictionary<string, object?>
                {
                    ["sha256"] = sha256,
                    ["reason"] = decision == HashDecision.NotListed ? "not_listed" : "no_allowlist_outside_development",
                    ["allowed_count"] = allowlist.Hashes.Count,
                }));
        }

        clock.Begin(ReloadStage.Parse);
        var artifact = scanner.Parse(bytes, out var parseFailure);
        if (artifact is null)
        {
            return new Problem(ErrorCodes.ModelFormatInvalid, Stage(ReloadStage.Parse), "The file is not a readable ONNX model.",
                new Dictionary<string, object?> { ["reason"] = parseFailure, ["sha256"] = sha256 }).ToResult<ModelReloadDto>();
        }

        clock.Begin(ReloadStage.OpcodeScan);
        var verdict = OpcodeScan.Judge(artifact.Inventory, settings.Mode);
        audit.Record(verdict, relative, time.GetUtcNow());
        metrics.Scanned(verdict);
        if (!verdict.Passed)
        {
            var first = verdict.Refusals[0];
            return Refuse(first.Reason is OpcodeRefusal.CustomDomain or OpcodeRefusal.ExternalData ? first.ReasonName : "opcode_blocked",
                new Problem(ErrorCodes.ModelOpcodeBlocked, Stage(ReloadStage.OpcodeScan), RefusalMessage(first, verdict.Mode),
                    new Dictionary<string, object?>
                    {
                        ["mode"] = verdict.Mode.Name(),
                        ["reason"] = first.ReasonName,
                        ["opcode"] = first.Operator?.ToString(),
                        ["location"] = first.Location,
                        ["refused_count"] = verdict.Refusals.Count,
                        ["refusals"] = verdict.Refusals.Take(20).Select(OpcodeFindingDto.From).ToList(),
                    }));
        }

        clock.Begin(ReloadStage.Interface);
        var contract = ModelContract.Check(artifact.Signature, out var violations);
        if (contract is null)
        {
            return new Problem(ErrorCodes.ModelInterfaceInvalid, Stage(ReloadStage.Interface),
                "The model does not have the classifier interface: " + violations[0],
                new Dictionary<string, object?> { ["violations"] = violations }).ToResult<ModelReloadDto>();
        }

        clock.Begin(ReloadStage.Version);
        var serving = registry.Current;
        if (!command.Force && VersionProblem(command, contract, serving, sha256) is { } mismatch)
        {
            return mismatch.ToResult<ModelReloadDto>();
        }

        clock.Begin(ReloadStage.Smoke);
        var load = runtime.Load(bytes, contract);
        if (load.Session is not { } session)
        {
            return SmokeFailed(load.Failure ?? "the runtime could not load the model.", runtime.ExecutionProvider);
        }

        try
        {
            var vectors = ModelSmoke.Vectors(contract.FeatureVersion);
            var run = session.Run([.. vectors.SelectMany(v => v)], vectors.Length, SmokeBudget);
            if ((run.Failure ?? ModelSmoke.Check(contract, vectors.Length, run.Labels, run.Probabilities, run.Distances)) is { } smokeFailure)
            {
                session.Dispose();
                return SmokeFailed(smokeFailure, session.ExecutionProvider);
            }

            clock.Begin(ReloadStage.Commit);
            var identity = new ModelIdentity(contract.ModelVersion, sha256, contract.FeatureVersion.Name(), contract.InputDimension,
                contract.Classes, relative, bytes.LongLength, session.ExecutionProvider, time.GetUtcNow(), contract.Abstention);
            var previous = registry.Swap(new ServingModel(identity, contract, session));
            return Result.Success(new ModelReloadDto("loaded", identity, previous, command.Force, new Dictionary<string, double>(), 0));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static Problem? VersionProblem(ReloadModelCommand command, ClassifierContract contract, ModelIdentity? serving, string sha256)
    {
        if (command.ExpectedVersion is { } expected && !string.Equals(expected.Trim(), contract.ModelVersion, StringComparison.Ordinal))
        {
            return new Problem(ErrorCodes.ModelVersionMismatch, Stage(ReloadStage.Version),
                $"The file declares model version '{contract.ModelVersion}', not the expected '{expected}'; send force=true to load it anyway.",
                new Dictionary<string, object?> { ["expected_version"] = expected, ["model_version"] = contract.ModelVersion, ["serving_version"] = serving?.ModelVersion });
        }

        // Two different models under one version name would make "model_version" in responses ambiguous.
        if (serving is not null && serving.ModelVersion == contract.ModelVersion && serving.Sha256 != sha256)
        {
            return new Problem(ErrorCodes.ModelVersionMismatch, Stage(ReloadStage.Version),
                $"The serving model is already version '{contract.ModelVersion}' with different content; give the new model its own version or send force=true.",
                new Dictionary<string, object?> { ["model_version"] = contract.ModelVersion, ["serving_version"] = serving.ModelVersion, ["serving_sha256"] = serving.Sha256, ["sha256"] = sha256 });
        }

        return null;
    }

    private static Result<ModelReloadDto> SmokeFailed(string reason, string executionProvider) =>
        new Problem(ErrorCodes.ModelSmokeFailed, Stage(ReloadStage.Smoke), "The model failed its smoke inference: " + reason,
            new Dictionary<string, object?> { ["reason"] = reason, ["execution_provider"] = executionProvider }).ToResult<ModelReloadDto>();

    private Result<ModelReloadDto> Refuse(string securityReason, Problem problem)
    {
        metrics.SecurityFailure(securityReason);
        return problem.ToResult<ModelReloadDto>();
    }

    private static string RefusalMessage(OpcodeFinding finding, OpcodeMode mode) => finding.Reason switch
    {
        OpcodeRefusal.ExternalData => $"Tensor '{finding.Tensor}' keeps its data outside the model file; external data is refused in every mode.",
        OpcodeRefusal.CustomDomain => $"Operator {finding.Operator} is from a custom domain with no registered implementation; refused in every mode.",
        OpcodeRefusal.Blocklisted => $"Operator {finding.Operator} at {finding.Location} is on the blocklist ({mode.Name()} mode).",
        _ => $"Operator {finding.Operator} at {finding.Location} is not on the allowlist ({mode.Name()} mode).",
    };

    private static string Stage(ReloadStage stage) => stage.Name();

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelVersion} ({Sha256}) loaded from {Origin} in {TotalMs:F1} ms")]
    private partial void LogLoaded(string origin, string modelVersion, string sha256, double totalMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model load from {Origin} refused at stage {Stage} with {Code}: {Reason}")]
    private partial void LogRefused(string origin, string stage, string code, string reason);

    /// <summary>Times each stage as it runs; the time of a stage ends where the next begins.</summary>
    /// <summary>
    /// Times each stage and is where a cancelled reload stops: the load is synchronous CPU and
    /// file work, so the token is honoured between stages, always before <see cref="ReloadStage.Commit"/>
    /// (a cancelled reload never changes the serving model) and never after it.
    /// </summary>
    private sealed class StageClock(TimeProvider time, IModelMetrics metrics, CancellationToken cancellationToken)
    {
        private readonly long _started = time.GetTimestamp();
        private ReloadStage? _stage;
        private long _stageStarted;

        public Dictionary<string, double> Durations { get; } = new(StringComparer.Ordinal);

        public void Begin(ReloadStage stage)
        {
            Close();
            cancellationToken.ThrowIfCancellationRequested();
            _stage = stage;
            _stageStarted = time.GetTimestamp();
        }

        public double Finish()
        {
            Close();
            return time.GetElapsedTime(_started).TotalMilliseconds;
        }

        private void Close()
        {
            if (_stage is { } open)
            {
                var elapsed = time.GetElapsedTime(_stageStarted);
                Durations[open.Name()] = Math.Round(elapsed.TotalMilliseconds, 3);
                metrics.StageTimed(open, elapsed);
                _stage = null;
            }
        }
    }
}
