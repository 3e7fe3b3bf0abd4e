using System.Globalization;
using System.Net;
using System.Text;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

/// <summary>
/// A parse that overruns its budget is the service's limit, not a bad file: it must be 504
/// PARSE_TIMEOUT every time, never 422 PARSE_FAILED. A tiny budget against large, valid files
/// makes the deadline fire while the readers are mid-way through, where the race used to be.
/// </summary>
public sealed class ParseTimeoutTests : IClassFixture<ParseTimeoutTests.Factory>
{
    private const double BudgetSeconds = 0.02;
    private readonly Factory _factory;

    public ParseTimeoutTests(Factory factory) => _factory = factory;

    public sealed class Factory() : CadMlFactory(new Dictionary<string, string?>
    {
        ["PARSE_TIMEOUT_SECONDS"] = BudgetSeconds.ToString(CultureInfo.InvariantCulture),
    });

    [Fact]
    public async Task Fifty_overruns_are_all_reported_as_timeouts()
    {
        var client = _factory.CreateAuthenticatedClient();
        (string Name, byte[] Content)[] files = [("large.dxf", LargeDxf(150_000)), ("large.stl", LargeAsciiStl(60_000))];
        var misreported = new List<string>();

        for (var run = 0; run < 50; run++)
        {
            // Each run a different byte, so the feature cache can never answer in place of a parse.
            var (name, template) = files[run % files.Length];
            var content = (byte[])template.Clone();
            content[Array.LastIndexOf(content, (byte)'z')] = (byte)('a' + (run % 26));
            var response = await client.AnalyzeAsync(name, content);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.GatewayTimeout || !text.Contains("\"PARSE_TIMEOUT\"", StringComparison.Ordinal))
            {
                misreported.Add($"{name}: {(int)response.StatusCode} {text}");
            }
        }

        misreported.Should().BeEmpty("every overrun of the parse budget is a timeout");
        var last = await client.AnalyzeAsync("large.dxf", LargeDxf(150_000));
        var body = await last.ShouldBeProblemAsync(HttpStatusCode.GatewayTimeout, "PARSE_TIMEOUT", "parse");
        body.GetProperty("context").GetProperty("timeout_seconds").GetDouble().Should().Be(BudgetSeconds);
    }

    private static byte[] LargeDxf(int lines)
    {
        var text = new StringBuilder("0\nSECTION\n2\nENTITIES\n");
        for (var i = 0; i < lines; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"0\nLINE\n8\n0\n10\n{i}\n20\n0\n30\n0\n11\n{i}\n21\n5\n31\n0\n");
        }

        // The 'z' of the closing comment is the byte each run changes.
        return Encoding.ASCII.GetBytes(text.Append("0\nENDSEC\n999\nrun z\n0\nEOF\n").ToString());
    }

    private static byte[] LargeAsciiStl(int triangles)
    {
        var text = new StringBuilder("solid bigz\n");
        for (var i = 0; i < triangles; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"facet normal 0 0 1\nouter loop\nvertex {i} 0 0\nvertex {i} 1 0\nvertex {i} 0 1\nendloop\nendfacet\n");
        }

        return Encoding.ASCII.GetBytes(text.Append("endsolid bigz\n").ToString());
    }
}
