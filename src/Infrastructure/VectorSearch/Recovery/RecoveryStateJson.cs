using System.Text.Json;
using System.Text.Json.Serialization;
using CadMl.Domain.Degradation;

namespace CadMl.Infrastructure.VectorSearch.Recovery;

/// <summary>
/// The persisted form of <see cref="DegradationState"/>, shared by the file and Redis stores.
/// Carries a schema version; anything that does not parse, has another version, or fails the
/// Domain's validation is refused with a reason.
/// </summary>
internal static class RecoveryStateJson
{
    public const int SchemaVersion = 1;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static byte[] Serialize(DegradationState state) => JsonSerializer.SerializeToUtf8Bytes(new Document(
        SchemaVersion, state.SavedAt, state.Degraded, state.Reason, state.DegradedSince,
        [.. state.History.Select(h => new HistoryEntry(h.Event, h.Reason, h.At))], [.. state.Toggles],
        state.ConsecutiveFailures, state.NextAttemptAt, state.SuppressedUntil, state.DrillUntil, state.LastError), Options);

    /// <summary>The state, or null and why it cannot be trusted.</summary>
    public static DegradationState? Parse(ReadOnlySpan<byte> content, Func<DegradationState, IEnumerable<string>> validate, out string? problem)
    {
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(content, Options);
        }
        catch (JsonException exception)
        {
            problem = $"not valid state JSON ({exception.Message})";
            return null;
        }

        if (document is null || document.SchemaVersion != SchemaVersion)
        {
            problem = $"schema_version {document?.SchemaVersion} is not {SchemaVersion}";
            return null;
        }

        if (document.History is null || document.Toggles is null)
        {
            problem = "history and toggles are required";
            return null;
        }

        var state = new DegradationState(
            document.Degraded, document.Reason, document.DegradedSince,
            [.. document.History.Select(e => new DegradationTransition(e.Event, e.Reason, e.At))], document.Toggles,
            document.ConsecutiveFailures, document.NextAttemptAt, document.SuppressedUntil, document.DrillUntil, document.LastError,
            document.SavedAt);
        var problems = validate(state).ToList();
        problem = problems.Count == 0 ? null : string.Join("; ", problems);
        return problem is null ? state : null;
    }

    private sealed record Document(
        [property: JsonRequired] int SchemaVersion,
        [property: JsonRequired] DateTimeOffset SavedAt,
        [property: JsonRequired] bool Degraded,
        string? Reason,
        DateTimeOffset? DegradedSince,
        List<HistoryEntry>? History,
        List<DateTimeOffset>? Toggles,
        int ConsecutiveFailures,
        DateTimeOffset? NextAttemptAt,
        DateTimeOffset? SuppressedUntil,
        DateTimeOffset? DrillUntil,
        string? LastError);

    private sealed record HistoryEntry(DegradationEventKind Event, string Reason, DateTimeOffset At);
}
