using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Tests.Corpus;

namespace CadMl.Api.Tests;

/// <summary>
/// What the name of an upload may do: declare the format (content with another format's
/// signature is refused with both formats named, for every pair) and be stored and shown, only
/// as its last path segment and without control or bidirectional-override characters.
/// </summary>
public sealed class UploadHygieneTests : IClassFixture<UploadHygieneTests.Factory>
{
    private static readonly string[] Formats = ["dxf", "stl", "step", "iges"];
    private readonly Factory _factory;

    public UploadHygieneTests(Factory factory) => _factory = factory;

    public sealed class Factory() : CadMlFactory(null);

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var content in Formats)
        {
            foreach (var declared in Formats)
            {
                data.Add(content, declared);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task Content_and_name_must_agree_on_the_format(string contentFormat, string declaredFormat)
    {
        var client = _factory.CreateAuthenticatedClient();
        var bytes = await File.ReadAllBytesAsync(SmallestCorpusFile(contentFormat));

        var response = await client.AnalyzeAsync($"part.{declaredFormat}", bytes);

        if (contentFormat == declaredFormat)
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            return;
        }

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "FORMAT_MISMATCH", "input");
        var context = body.GetProperty("context");
        context.GetProperty("declared_format").GetString().Should().Be(declaredFormat);
        context.GetProperty("detected_format").GetString().Should().Be(contentFormat);
        body.GetProperty("message").GetString().Should().Contain(declaredFormat.ToUpperInvariant()).And.Contain(contentFormat.ToUpperInvariant());
    }

    [Theory]
    [InlineData("C:\\Users\\me\\Desktop\\bracket.dxf", "bracket.dxf")]
    [InlineData("..\\..\\..\\windows\\bracket.dxf", "bracket.dxf")]
    [InlineData("../../etc/bracket.dxf", "bracket.dxf")]
    [InlineData("brack\0et.dxf", "bracket.dxf")]
    [InlineData("bra\u0007ck\u001Bet\r\n.dxf", "bracket.dxf")]
    [InlineData("bracket\u202Efxd.dxf", "bracketfxd.dxf")]
    [InlineData("\u2067bracket\u2069.dxf", "bracket.dxf")]
    public async Task The_stored_and_returned_name_is_cleaned(string sent, string expected)
    {
        var client = _factory.CreateAuthenticatedClient();

        var response = await client.PostAsync("/api/v1/analyze", FormWithRawName(sent, await File.ReadAllBytesAsync(SmallestCorpusFile("dxf"))));

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        var body = JsonDocument.Parse(text).RootElement;
        body.GetProperty("file_name").GetString().Should().Be(expected);
        var stored = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/analyze/{body.GetProperty("id").GetString()}")).RootElement;
        stored.GetProperty("file_name").GetString().Should().Be(expected);
    }

    [Theory]
    [InlineData("C:\\")]
    [InlineData("..\\..\\")]
    [InlineData("\0\u202E")]
    public async Task A_name_with_nothing_left_is_a_validation_problem(string sent)
    {
        var client = _factory.CreateAuthenticatedClient();

        var response = await client.PostAsync("/api/v1/analyze", FormWithRawName(sent, await File.ReadAllBytesAsync(SmallestCorpusFile("dxf"))));

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        body.GetProperty("context").GetProperty("errors")[0].GetProperty("field").GetString().Should().Be("file_name");
    }

    private static string SmallestCorpusFile(string format) =>
        CorpusFiles.Of(format).OrderBy(p => new FileInfo(p).Length).ThenBy(p => p, StringComparer.Ordinal).First();

    /// <summary>The name travels as RFC 5987 <c>filename*</c>, the way browsers send names a plain header cannot hold.</summary>
    private static MultipartFormDataContent FormWithRawName(string fileName, byte[] content)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = fileName };
        form.Add(file);
        return form;
    }
}
