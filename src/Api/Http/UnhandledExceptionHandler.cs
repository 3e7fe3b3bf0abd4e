using Ardalis.Result;
using CadMl.Application.Common.Problems;
using Microsoft.AspNetCore.Diagnostics;

namespace CadMl.Api.Http;

/// <summary>
/// The last line: a bug becomes 500 <c>INTERNAL_ERROR</c> with the trace id, logged with its stack
/// trace, which never reaches the body. Malformed HTTP (bad multipart, oversized body) is the
/// caller's fault and gets its 4xx.
/// </summary>
internal sealed partial class UnhandledExceptionHandler(ILogger<UnhandledExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => Problem.Invalid(
                "FILE_TOO_LARGE", "input", "The request body is larger than this service accepts."),
            BadHttpRequestException bad => Problem.Invalid(
                "MALFORMED_REQUEST", "input", "The request could not be read as sent.",
                new Dictionary<string, object?> { ["status"] = bad.StatusCode }),
            OperationCanceledException when http.RequestAborted.IsCancellationRequested => null,
            _ => new Problem(ResultStatus.CriticalError, "INTERNAL_ERROR", "server",
                "An unexpected error occurred; it has been logged with the trace id.", new Dictionary<string, object?>()),
        };

        if (problem is null)
        {
            return true; // The client went away; there is nobody to answer.
        }

        if (problem.Code == "INTERNAL_ERROR")
        {
            LogUnhandled(exception, http.Request.Method, http.Request.Path);
        }

        await ProblemResponses.WriteAsync(http, problem);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private partial void LogUnhandled(Exception exception, string method, PathString path);
}
