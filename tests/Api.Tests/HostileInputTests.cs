using System.Diagnostics;
using System.Net;
using System.Text;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

/// <summary>
/// Bad input of every kind gets a 4xx problem+json within the parse budget plus a second, and the
/// service keeps serving. Generated here, so the corpus is the same on every machine.
/// </summary>
public sealed class HostileInputTests : IClassFixture<HostileInputTests.Factory>
{
    private const int ParseTimeoutSeconds = 3;
    private readonly Factory _factory;

    public HostileInputTests(Factory factory) => _factory = factory;

    public sealed class Factory() : CadMlFactory(new Dictionary<string, string?>
    {
        ["PARSE_TIMEOUT_SECONDS"] = ParseTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, bytes) in Corpus())
        {
            data.Add(name, Convert.ToBase64String(bytes));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Hostile_input_gets_a_4xx_problem_in_time_and_the_service_stays_up(string fileName, string base64)
    {
        var client = _factory.CreateAuthenticatedClient();
        var watch = Stopwatch.StartNew();

        var response = await client.AnalyzeAsync(fileName, Convert.FromBase64String(base64));

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(ParseTimeoutSeconds + 1), "the parse budget bounds every request");
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().BeInRange(400, 499, text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        (await client.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static IEnumerable<(string Name, byte[] Bytes)> Corpus()
    {
        var random = new Random(7);
        byte[] Random(int n)
        {
            var bytes = new byte[n];
            random.NextBytes(bytes);
            return bytes;
        }

        foreach (var extension in new[] { "dxf", "stl", "step", "stp", "iges", "igs" })
        {
            yield return ($"random.{extension}", Random(4096));
            yield return ($"zeros.{extension}", new byte[2048]);
        }

        yield return ("truncated.dxf", Encoding.ASCII.GetBytes("0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\n1"));
        yield return ("claims-a-million.dxf", Encoding.ASCII.GetBytes("0\nSECTION\n2\nHEADER\n9\n$HANDSEED\n5\nFFFFFF\n0\nENDSEC\n0\nEOF\n"[..10]));
        yield return ("nan.dxf", Encoding.ASCII.GetBytes("0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\nnan\n20\n0\n30\n0\n11\n1\n21\n1\n31\n0\n0\nENDSEC\n0\nEOF\n"));
        yield return ("huge.dxf", Encoding.ASCII.GetBytes("0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\n-1e308\n20\n-1e308\n30\n0\n11\n1e308\n21\n1e308\n31\n0\n0\nENDSEC\n0\nEOF\n"));
        yield return ("self-insert.dxf", Encoding.ASCII.GetBytes(
            "0\nSECTION\n2\nBLOCKS\n0\nBLOCK\n2\nLOOP\n10\n0\n20\n0\n30\n0\n0\nINSERT\n2\nLOOP\n10\n1\n20\n0\n30\n0\n0\nENDBLK\n0\nENDSEC\n" +
            "0\nSECTION\n2\nENTITIES\n0\nINSERT\n2\nLOOP\n8\n0\n10\n0\n20\n0\n30\n0\n0\nENDSEC\n0\nEOF\n"));
        yield return ("deep-nesting.dxf", Encoding.ASCII.GetBytes(DeepBlocks(64)));
        var overflow = new byte[84 + 50];
        BitConverter.GetBytes(uint.MaxValue).CopyTo(overflow, 80);
        yield return ("overflow-count.stl", overflow);
        yield return ("truncated.stl", Encoding.ASCII.GetBytes("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0"));
        yield return ("dangling.step", Encoding.ASCII.GetBytes(
            "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('AUTOMOTIVE_DESIGN'));\nENDSEC;\nDATA;\n#1=ADVANCED_FACE('',(#99),#2,.T.);\n#2=PLANE('',#98);\nENDSEC;\nEND-ISO-10303-21;\n"));
        yield return ("cycle.step", Encoding.ASCII.GetBytes(
            "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('AUTOMOTIVE_DESIGN'));\nENDSEC;\nDATA;\n#1=MANIFOLD_SOLID_BREP('',#2);\n#2=CLOSED_SHELL('',(#1));\nENDSEC;\nEND-ISO-10303-21;\n"));
        yield return ("bad-columns.iges", Encoding.ASCII.GetBytes("this is not an iges file\nat all\n"));
    }

    private static string DeepBlocks(int depth)
    {
        var text = new StringBuilder("0\nSECTION\n2\nBLOCKS\n");
        for (var i = 0; i < depth; i++)
        {
            text.Append($"0\nBLOCK\n2\nB{i}\n10\n0\n20\n0\n30\n0\n0\nINSERT\n2\nB{i + 1}\n10\n1\n20\n1\n30\n0\n41\n2\n42\n2\n0\nLINE\n8\n0\n10\n0\n20\n0\n30\n0\n11\n1\n21\n1\n31\n0\n0\nENDBLK\n");
        }

        text.Append("0\nENDSEC\n0\nSECTION\n2\nENTITIES\n0\nINSERT\n2\nB0\n8\n0\n10\n0\n20\n0\n30\n0\n0\nENDSEC\n0\nEOF\n");
        return text.ToString();
    }
}
