namespace CadMl.Api.Http;

/// <summary>
/// The one error body of the service: RFC 7807 members plus <c>code</c>, <c>stage</c>,
/// <c>message</c>, <c>context</c> and <c>trace_id</c> at the top level.
/// </summary>
public sealed record ProblemBody(
    string Type,
    string Title,
    int Status,
    string Detail,
    string Code,
    string Stage,
    string Message,
    IReadOnlyDictionary<string, object?> Context,
    string TraceId);
