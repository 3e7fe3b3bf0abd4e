using Ardalis.Result;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Http;

/// <summary>The one mapping from a use case's <see cref="Result{T}"/> to an HTTP response.</summary>
public static class ResultMapping
{
    public static IActionResult ToActionResult<T>(this ControllerBase controller, Result<T> result)
    {
        if (result.IsSuccess)
        {
            return result.Status == ResultStatus.Created
                ? new ObjectResult(result.Value) { StatusCode = StatusCodes.Status201Created }
                : new OkObjectResult(result.Value);
        }

        var body = ProblemResponses.Body(ProblemResponses.ProblemOf(result), controller.HttpContext);
        return new ObjectResult(body)
        {
            StatusCode = body.Status,
            ContentTypes = { ProblemResponses.ContentType },
        };
    }
}
