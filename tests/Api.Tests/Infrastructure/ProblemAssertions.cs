using System.Net;
using System.Text.Json;
using CadMl.Application.Common.Problems;

namespace CadMl.Api.Tests.Infrastructure;

public static class ProblemAssertions
{
    /// <summary>Asserts the exact problem+json shape and returns the parsed body for further checks.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code, string stage)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var body = JsonDocument.Parse(text).RootElement;
        body.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            ["type", "title", "status", "detail", "code", "stage", "message", "context", "trace_id"]);
        body.GetProperty("status").GetInt32().Should().Be((int)status);
        body.GetProperty("code").GetString().Should().Be(code);
        // Every code an answer carries is in the one catalogue, with the status it is answered with.
        var catalogued = ErrorCodes.Find(code) ?? (code.StartsWith(ErrorCodes.FrameworkPrefix, StringComparison.Ordinal) ? ErrorCodes.Framework((int)status) : null);
        catalogued.Should().NotBeNull($"{code} must be in ErrorCodes");
        catalogued!.HttpStatus.Should().Be((int)status, code);
        body.GetProperty("stage").GetString().Should().Be(stage);
        body.GetProperty("message").GetString().Should().NotBeNullOrWhiteSpace();
        body.GetProperty("detail").GetString().Should().Be(body.GetProperty("message").GetString());
        body.GetProperty("context").ValueKind.Should().Be(JsonValueKind.Object);
        body.GetProperty("trace_id").GetString().Should().NotBeNullOrWhiteSpace();
        return body;
    }
}
