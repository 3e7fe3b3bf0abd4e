using System.Security.Cryptography;
using Ardalis.Result;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Common.Problems;
using CadMl.Application.Model.Serving;
using CadMl.Application.Vectors;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using Mediator;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Analysis.AnalyzeFile;

/// <summary>
/// Analyse one uploaded CAD file and keep the result. <paramref name="Content"/> is the whole file;
/// <paramref name="Sha256"/> is its lower-case hex digest when the caller already computed it
/// while receiving the bytes (the handler computes it otherwise). <paramref name="FileName"/> is
/// expected cleaned by <see cref="UploadFileName.Clean"/> (the handler cleans it again before
/// storing, which changes nothing for a clean name). <paramref name="IdempotencyKey"/> is the
/// <c>Idempotency-Key</c> header: the same key with the same file and options answers the first answer again.
/// </summary>
public sealed record AnalyzeFileCommand(
    string FileName,
    ReadOnlyMemory<byte> Content,
    string? FeatureVersion,
    string? Material,
    string? ProjectId,
    string? Sha256 = null,
    double? MinScore = null,
    string? IdempotencyKey = null,
    long? MinGeneration = null) : IUseCaseCommand<AnalysisDto>
{
    public const string IdempotencyScope = "analyze";

    /// <summary>The file's content and every option that shapes the stored analysis or the answer.</summary>
    public string Fingerprint() => IdempotencyKeys.Fingerprint(
    [
        Sha256 ?? Convert.ToHexStringLower(SHA256.HashData(Content.Span)),
        FileName,
        FeatureVersion,
        Material,
        ProjectId,
        IdempotencyKeys.Number(MinScore),
    ]);
}

internal sealed partial class AnalyzeFileHandler(
    IEnumerable<ICadReader> readers,
    IFeatureCache cache,
    IAnalysisMetrics metrics,
    PartClassifier classifier,
    ISimilarParts similarParts,
    IAnalysisStore store,
    IdempotentRequests idempotent,
    GenerationGate generations,
    WrittenGeneration written,
    AnalysisWorkers workers,
    IOptions<AnalysisOptions> options,
    TimeProvider time,
    ILogger<AnalyzeFileHandler> logger) : ICommandHandler<AnalyzeFileCommand, Result<AnalysisDto>>
{
    public async ValueTask<Result<AnalysisDto>> Handle(AnalyzeFileCommand command, CancellationToken cancellationToken) =>
        command.IdempotencyKey is { } key
            ? await idempotent.RunAsync(
                new IdempotentRequest(AnalyzeFileCommand.IdempotencyScope, key, command.Fingerprint()),
                claim => AnalyzeAndRecordAsync(command, claim, cancellationToken),
                id => StoredAsync(id, command.MinScore, command.MinGeneration, cancellationToken),
                cancellationToken)
            : await AnalyzeAndRecordAsync(command, null, cancellationToken);

    private async Task<Result<AnalysisDto>> AnalyzeAndRecordAsync(AnalyzeFileCommand command, IdempotencyClaim? claim, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var outcome = await AnalyzeAsync(command, started, cancellationToken);
        if (outcome.IsSuccess)
        {
            var record = outcome.Value;
            var storeStarted = time.GetTimestamp();
            written.Produced(await similarParts.RecordAsync(record, claim, cancellationToken));
            var storeMs = time.GetElapsedTime(storeStarted).TotalMilliseconds;
            // Usually a no-op: the write just made put the index past every earlier generation.
            if (await generations.WaitAsync(command.MinGeneration, cancellationToken) is { } lagging)
            {
                metrics.Finished("rejected");
                metrics.Rejected(lagging.Code);
                return lagging.ToResult<AnalysisDto>();
            }

            var similar = await similarParts.NeighboursAsync(record, cancellationToken);
            metrics.Finished("ok");
            record = record with
            {
                Timings = record.Timings with { StoreMs = storeMs, TotalMs = time.GetElapsedTime(started).TotalMilliseconds },
            };
            // The floor filters what this response shows; the stored record and its vector are the same either way.
            var shown = command.MinScore is { } floor ? [.. similar.Where(s => s.Score >= floor)] : similar;
            return Result.Success(AnalysisDto.From(record) with { Similar = shown });
        }

        var problem = outcome.ToProblem();
        metrics.Finished("rejected");
        metrics.Rejected(problem.Code);
        return problem.ToResult<AnalysisDto>();
    }

    /// <summary>A replay whose answer was lost (a crash between two commits): the stored analysis, as GET shows it.</summary>
    private async Task<Result<AnalysisDto>> StoredAsync(string id, double? minScore, long? minGeneration, CancellationToken cancellationToken)
    {
        if (await generations.WaitAsync(minGeneration, cancellationToken) is { } lagging)
        {
            return lagging.ToResult<AnalysisDto>();
        }

        if (await store.FindAsync(id, cancellationToken) is not { } record)
        {
            return new Problem(ErrorCodes.AnalysisNotFound, "lookup", "No analysis has this id.",
                new Dictionary<string, object?> { ["id"] = id }).ToResult<AnalysisDto>();
        }

        var similar = await similarParts.FindAsync(record.Id, cancellationToken);
        var shown = similar is not null && minScore is { } floor ? [.. similar.Where(s => s.Score >= floor)] : similar;
        return Result.Success(AnalysisDto.From(record) with { Similar = shown });
    }

    private async Task<Result<AnalysisRecord>> AnalyzeAsync(AnalyzeFileCommand command, long started, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var version = FeatureVersions.Parse(command.FeatureVersion ?? settings.FeatureVersion);

        if (InputProblem(command, settings) is { } rejected)
        {
            return rejected.ToResult<AnalysisRecord>();
        }

        var reader = ReaderFor(command.FileName)!;
        var hashStarted = time.GetTimestamp();
        var sha256 = command.Sha256 ?? Convert.ToHexStringLower(SHA256.HashData(command.Content.Span));
        var hashMs = time.GetElapsedTime(hashStarted).TotalMilliseconds;

        var key = new FeatureCacheKey(sha256, version);
        var cacheHit = cache.TryGet(key, out var cached);
        double parseMs = 0, featuresMs = 0;
        if (!cacheHit)
        {
            var parseStarted = time.GetTimestamp();
            var parsed = await ParseAsync(reader, command.Content, settings, cancellationToken);
            if (!parsed.IsSuccess)
            {
                return parsed.ToProblem().ToResult<AnalysisRecord>();
            }

            var parseElapsed = time.GetElapsedTime(parseStarted);
            parseMs = parseElapsed.TotalMilliseconds;
            metrics.Parsed(reader.Format, parseElapsed);

            var extractStarted = time.GetTimestamp();
            var vector = FeatureExtractor.Extract(parsed.Value, version);
            var extractElapsed = time.GetElapsedTime(extractStarted);
            featuresMs = extractElapsed.TotalMilliseconds;
            if (NonFinite(vector) is { } geometryProblem)
            {
                return geometryProblem.ToResult<AnalysisRecord>();
            }

            metrics.Extracted(version, extractElapsed, vector);
            cached = new CachedFeatures(parsed.Value, vector);
            cache.Set(key, cached);
        }

        return new AnalysisRecord(
            Guid.CreateVersion7(time.GetUtcNow()).ToString(),
            time.GetUtcNow(),
            UploadFileName.Clean(command.FileName),
            sha256,
            command.Content.Length,
            command.Material,
            command.ProjectId,
            cached!.Document,
            cached.Vector,
            cacheHit,
            new StageTimings(hashMs, parseMs, featuresMs, 0, 0),
            // Classified before the save, so the stored record answers GET exactly as this request.
            classifier.Classify(cached.Document));
    }

    private Problem? InputProblem(AnalyzeFileCommand command, AnalysisOptions settings)
    {
        var extension = Extension(command.FileName);
        if (extension == "dwg")
        {
            return new Problem(ErrorCodes.UnsupportedInputDwg, "input",
                "DWG is a closed format this service does not read; export the drawing as DXF.",
                new Dictionary<string, object?> { ["extension"] = extension, ["supported"] = SupportedExtensions() });
        }

        if (ReaderFor(command.FileName) is null)
        {
            return new Problem(ErrorCodes.UnsupportedFormat, "input", "The file extension is not a supported CAD format.",
                new Dictionary<string, object?> { ["extension"] = extension, ["supported"] = SupportedExtensions() });
        }

        if (command.Content.IsEmpty)
        {
            return new Problem(ErrorCodes.EmptyFile, "input", "The uploaded file is empty.");
        }

        if (command.Content.Length > settings.MaxFileBytes)
        {
            return new Problem(ErrorCodes.FileTooLarge, "input", "The file is larger than this service accepts.",
                new Dictionary<string, object?> { ["limit_bytes"] = settings.MaxFileBytes, ["size_bytes"] = command.Content.Length });
        }

        // One rule for every pair of formats: the name declares the format, and content that
        // shows another format's signature is refused with both named, never read as either.
        var declared = ReaderFor(command.FileName)!.Format;
        if (CadContentSniffer.Detect(command.Content.Span) is { } detected && detected != declared)
        {
            return new Problem(ErrorCodes.FormatMismatch, "input",
                $"The file name says {declared.Name().ToUpperInvariant()} but the content is {detected.Name().ToUpperInvariant()}; rename the file or export it again.",
                new Dictionary<string, object?> { ["extension"] = extension, ["declared_format"] = declared.Name(), ["detected_format"] = detected.Name() });
        }

        return null;
    }

    /// <summary>
    /// Parsing runs on the bounded analysis workers under the parse budget (the budget counts from
    /// the start of the parse, not from the wait for a worker). Readers report bad input with
    /// <see cref="CadReadException"/>; any other exception is a reader defect on this input, logged
    /// as such, and still the caller's 422: no upload may turn into a 500.
    /// </summary>
    /// <remarks>
    /// One clock decides a timeout: the elapsed time of this parse on <see cref="TimeProvider"/>.
    /// The deadline token only stops the reader early. Whatever the parse produced once the budget
    /// was spent (a cancelled wait, whatever the reader threw after noticing the cancellation, even
    /// a late result when a busy thread pool delayed the deadline's timer) is the timeout, so an
    /// overrun never surfaces as a bad file and the answer does not depend on which timer ran first.
    /// </remarks>
    private async Task<Result<CadDocument>> ParseAsync(ICadReader reader, ReadOnlyMemory<byte> content, AnalysisOptions settings, CancellationToken cancellationToken)
    {
        var budget = TimeSpan.FromSeconds(settings.ParseTimeoutSeconds);
        var started = time.GetTimestamp();
        using var deadline = new CancellationTokenSource(budget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        bool Overran() => deadline.IsCancellationRequested || time.GetElapsedTime(started) >= budget;
        try
        {
            var parsing = await workers.StartAsync(() => reader.Read(content, linked.Token), cancellationToken);
            // The budget is the parse's own: time spent waiting for a worker does not count against the file.
            started = time.GetTimestamp();
            deadline.CancelAfter(budget);
            var document = await parsing.WaitAsync(linked.Token);
            return Overran() ? Timeout(reader, settings) : document;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested && Overran())
        {
            return Timeout(reader, settings);
        }
        catch (CadReadException exception)
        {
            var context = new Dictionary<string, object?>(exception.Context) { ["format"] = reader.Format.Name() };
            return new Problem(exception.Error, "parse", exception.Message, context).ToResult<CadDocument>();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogReaderDefect(exception, reader.Format.Name());
            return new Problem(ErrorCodes.ParseFailed, "parse", "The file could not be read as the format its extension claims.",
                new Dictionary<string, object?> { ["format"] = reader.Format.Name() }).ToResult<CadDocument>();
        }
    }

    private static Result<CadDocument> Timeout(ICadReader reader, AnalysisOptions settings) =>
        new Problem(ErrorCodes.ParseTimeout, "parse", "Parsing the file took longer than the parse budget.",
            new Dictionary<string, object?> { ["timeout_seconds"] = settings.ParseTimeoutSeconds, ["format"] = reader.Format.Name() })
            .ToResult<CadDocument>();

    private static Problem? NonFinite(FeatureVector vector)
    {
        var bad = FeatureSlots.Of(vector.Version).Where(s => !double.IsFinite(vector.Values[s.Index])).Select(s => s.Name).ToList();
        return bad.Count == 0
            ? null
            : new Problem(ErrorCodes.InvalidGeometry, "features", "The geometry is too large or malformed to give finite features.",
                new Dictionary<string, object?> { ["slots"] = bad });
    }

    private ICadReader? ReaderFor(string fileName)
    {
        var extension = Extension(fileName);
        return readers.FirstOrDefault(r => r.Extensions.Contains(extension, StringComparer.Ordinal));
    }

    private List<string> SupportedExtensions() => [.. readers.SelectMany(r => r.Extensions).Order(StringComparer.Ordinal)];

    private static string Extension(string fileName) => Path.GetExtension(fileName).TrimStart('.').ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Format} reader failed on an upload with an unexpected exception; answered 422")]
    private partial void LogReaderDefect(Exception exception, string format);
}
