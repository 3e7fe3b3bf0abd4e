using System.Diagnostics;
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

    public static ProblemBody Body(Problem problem, HttpContext http)
    {
        var status = problem.Error.HttpStatus; // from the one catalogue, ErrorCodes
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
}
