using Ardalis.Result;
using CadMl.Application.Common.Problems;
using CadMl.Application.Vectors;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Http;

/// <summary>The one mapping from a use case's <see cref="Result{T}"/> to an HTTP response.</summary>
public static class ResultMapping
{
    public static IActionResult ToActionResult<T>(this ControllerBase controller, Result<T> result)
    {
        // Read-your-writes: the store generation the request's vector writes produced, on success
        // and failure alike (a failed analyze may still have stored nothing; then there is none).
        if (controller.HttpContext.RequestServices.GetService<WrittenGeneration>()?.Value is { } generation)
        {
            controller.Response.Headers[WrittenGeneration.Header] = generation.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (result.IsSuccess)
        {
            return result.Status == ResultStatus.Created
                ? new ObjectResult(result.Value) { StatusCode = StatusCodes.Status201Created }
                : new OkObjectResult(result.Value);
        }

        var problem = result.ToProblem();
        // A problem that says when to come back says it in the header clients and proxies read too.
        if (problem.Context.TryGetValue("retry_after_seconds", out var retryAfter) && retryAfter is int seconds)
        {
            controller.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var body = ProblemResponses.Body(problem, controller.HttpContext);
        return new ObjectResult(body)
        {
            StatusCode = body.Status,
            ContentTypes = { ProblemResponses.ContentType },
        };
    }
}
