using System.Diagnostics;
using Ardalis.Result;
using CadMl.Application.Common.Problems;
using Microsoft.AspNetCore.WebUtilities;

namespace CadMl.Api.Http;

/// <summary>
/// Where a <see cref="Problem"/> becomes HTTP: the status code and the problem+json body. Every
/// failure of the service (use cases, auth, unknown routes, unhandled exceptions) passes here.
/// </summary>
public static class ProblemResponses
{
    public const string ContentType = "application/problem+json";

    /// <summary>
    /// Codes whose HTTP status is not implied by their result status. The Application speaks in
    /// domain codes; which of them are 400/413/415/504 is an HTTP decision and lives here.
    /// </summary>
    private static readonly Dictionary<string, int> StatusByCode = new(StringComparer.Ordinal)
    {
        ["UNSUPPORTED_FORMAT"] = StatusCodes.Status400BadRequest,
        ["EMPTY_FILE"] = StatusCodes.Status400BadRequest,
        ["FILE_MISSING"] = StatusCodes.Status400BadRequest,
        ["MALFORMED_REQUEST"] = StatusCodes.Status400BadRequest,
        ["MULTIPART_INVALID"] = StatusCodes.Status400BadRequest,
        ["FILE_TOO_LARGE"] = StatusCodes.Status413PayloadTooLarge,
        ["FORM_TOO_LARGE"] = StatusCodes.Status413PayloadTooLarge,
        ["UNSUPPORTED_MEDIA_TYPE"] = StatusCodes.Status415UnsupportedMediaType,
        ["MODEL_SIZE_EXCEEDED"] = StatusCodes.Status413PayloadTooLarge,
        ["UNSUPPORTED_INPUT_DWG"] = StatusCodes.Status415UnsupportedMediaType,
        ["FORMAT_MISMATCH"] = StatusCodes.Status415UnsupportedMediaType,
        ["PARSE_TIMEOUT"] = StatusCodes.Status504GatewayTimeout,
        ["AUTH_MISSING_API_KEY"] = StatusCodes.Status401Unauthorized,
        ["AUTH_INVALID_API_KEY"] = StatusCodes.Status401Unauthorized,
        ["AUTH_MISSING_ADMIN_TOKEN"] = StatusCodes.Status401Unauthorized,
        ["AUTH_INVALID_ADMIN_TOKEN"] = StatusCodes.Status403Forbidden,
        ["METHOD_NOT_ALLOWED"] = StatusCodes.Status405MethodNotAllowed,
    };

    /// <summary>Framework answers the mapper has no code for keep their status (<c>HTTP_431</c> → 431).</summary>
    public static int StatusOf(Problem problem) =>
        StatusByCode.TryGetValue(problem.Code, out var status) ? status
        : problem.Code.StartsWith("HTTP_", StringComparison.Ordinal) && int.TryParse(problem.Code.AsSpan(5), out var framework) ? framework
        : StatusOf(problem.Status);

    public static int StatusOf(ResultStatus status) => status switch
    {
        ResultStatus.Ok => StatusCodes.Status200OK,
        ResultStatus.Created => StatusCodes.Status201Created,
        ResultStatus.NoContent => StatusCodes.Status204NoContent,
        ResultStatus.Invalid => StatusCodes.Status422UnprocessableEntity,
        ResultStatus.NotFound => StatusCodes.Status404NotFound,
        ResultStatus.Conflict => StatusCodes.Status409Conflict,
        ResultStatus.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ResultStatus.Unauthorized => StatusCodes.Status401Unauthorized,
        ResultStatus.Forbidden => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ProblemBody Body(Problem problem, HttpContext http)
    {
        var status = StatusOf(problem);
        return new ProblemBody(
            Type: $"urn:cadml:problem:{problem.Code.ToLowerInvariant().Replace('_', '-')}",
            Title: ReasonPhrases.GetReasonPhrase(status),
            Status: status,
            Detail: problem.Message,
            Code: problem.Code,
            Stage: problem.Stage,
            Message: problem.Message,
            Context: problem.Context,
            TraceId: Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier);
    }

    /// <summary>For middleware that answers before (or instead of) a controller.</summary>
    public static Task WriteAsync(HttpContext http, Problem problem)
    {
        var body = Body(problem, http);
        http.Response.StatusCode = body.Status;
        return http.Response.WriteAsJsonAsync(body, JsonDefaults.Options, ContentType, http.RequestAborted);
    }

    /// <summary>The problem behind a failed result; results that carry none get a generic one for their status.</summary>
    public static Problem ProblemOf(Ardalis.Result.IResult result) => result switch
    {
        IProblemResult carrier => carrier.Problem,
        _ => new Problem(
            result.Status,
            result.Status is ResultStatus.Error or ResultStatus.CriticalError ? "INTERNAL_ERROR" : ToCode(result.Status),
            "handler",
            result.Errors.FirstOrDefault() ?? ReasonPhrases.GetReasonPhrase(StatusOf(result.Status)),
            new Dictionary<string, object?>()),
    };

    private static string ToCode(ResultStatus status) =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseUpper.ConvertName(status.ToString());
}
