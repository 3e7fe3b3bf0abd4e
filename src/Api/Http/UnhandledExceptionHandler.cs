using CadMl.Application.Common.Ports;
using CadMl.Application.Common.Problems;
using Microsoft.AspNetCore.Diagnostics;

namespace CadMl.Api.Http;

/// <summary>
/// The last line: a bug becomes 500 <c>INTERNAL_ERROR</c> with the trace id, logged with its stack
/// trace, which never reaches the body. Malformed HTTP (bad multipart, oversized body) is the
/// caller's fault and gets its 4xx; a damaged or unavailable store is a 503 with its reason.
/// </summary>
internal sealed partial class UnhandledExceptionHandler(IStoreFaults storeFaults, ILogger<UnhandledExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new Problem(ErrorCodes.FileTooLarge, "input", "The request body is larger than this service accepts."),
            BadHttpRequestException bad => new Problem(ErrorCodes.MalformedRequest, "input", "The request could not be read as sent.",
                new Dictionary<string, object?> { ["status"] = bad.StatusCode }),
            // The multipart reader throws these for a body that breaks the format (no closing
            // boundary, a header section too long, a truncated part): the caller's mistake.
            InvalidDataException or IOException when IsMultipart(http.Request) => new Problem(ErrorCodes.MultipartInvalid, "upload", "The multipart body is malformed.",
                new Dictionary<string, object?> { ["reason"] = exception.Message }),
            OperationCanceledException when http.RequestAborted.IsCancellationRequested => null,
            _ => storeFaults.Classify(exception) ?? new Problem(ErrorCodes.InternalError, "server",
                "An unexpected error occurred; it has been logged with the trace id.", new Dictionary<string, object?>()),
        };

        if (problem is null)
        {
            return true; // The client went away; there is nobody to answer.
        }

        if (problem.Error == ErrorCodes.InternalError)
        {
            LogUnhandled(exception, http.Request.Method, http.Request.Path);
        }

        if (http.Response.HasStarted)
        {
            return true; // Headers are gone; the connection is aborted and the client sees a broken response, not a wrong one.
        }

        http.Response.Clear();
        await ProblemResponses.WriteAsync(http, problem);
        return true;
    }

    private static bool IsMultipart(HttpRequest request) =>
        request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true;

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private partial void LogUnhandled(Exception exception, string method, PathString path);
}
