using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Tests.Corpus;

namespace CadMl.Api.Tests;

/// <summary>The upload reader's rules: one file part, a bounded form, multipart only, malformed bodies as 400s.</summary>
public sealed class MultipartRulesTests : IClassFixture<MultipartRulesTests.Factory>
{
    public sealed class Factory() : CadMlFactory(null);

    private readonly HttpClient _client;
    private readonly byte[] _dxf;
    private readonly string _dxfName;

    public MultipartRulesTests(Factory factory)
    {
        _client = factory.CreateAuthenticatedClient();
        var file = CorpusFiles.Of("dxf")[0];
        _dxfName = Path.GetFileName(file);
        _dxf = File.ReadAllBytes(file);
    }

    [Fact]
    public async Task Two_file_parts_are_400_multipart_invalid()
    {
        using var form = Uploads.Form(_dxfName, _dxf);
        form.Add(new ByteArrayContent(_dxf), "file", "second.dxf");
        var problem = await (await _client.PostAsync("/api/v1/analyze", form)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MULTIPART_INVALID", "upload");
        problem.GetProperty("context").GetProperty("reason").GetString().Should().Be("duplicate_file_part");
    }

    [Fact]
    public async Task Too_many_form_fields_are_400_multipart_invalid()
    {
        using var form = Uploads.Form(_dxfName, _dxf);
        for (var i = 0; i < 100; i++)
        {
            form.Add(new StringContent("x"), $"extra{i}");
        }

        var problem = await (await _client.PostAsync("/api/v1/analyze", form)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MULTIPART_INVALID", "upload");
        problem.GetProperty("context").GetProperty("reason").GetString().Should().Be("too_many_parts");
        problem.GetProperty("context").GetProperty("max_parts").GetInt32().Should().Be(16);
    }

    [Fact]
    public async Task Form_fields_over_the_total_size_are_413_form_too_large()
    {
        using var form = Uploads.Form(_dxfName, _dxf);
        for (var i = 0; i < 5; i++)
        {
            form.Add(new StringContent(new string('x', 15 * 1024)), $"note{i}");
        }

        var problem = await (await _client.PostAsync("/api/v1/analyze", form)).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "FORM_TOO_LARGE", "upload");
        problem.GetProperty("context").GetProperty("limit_bytes").GetInt32().Should().Be(64 * 1024);
    }

    [Theory]
    [InlineData("application/octet-stream")]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task A_body_that_is_not_multipart_is_415_problem_json(string? contentType)
    {
        using var body = new ByteArrayContent(_dxf);
        body.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        var problem = await (await _client.PostAsync("/api/v1/analyze", body)).ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "upload");
        problem.GetProperty("context").GetProperty("supported")[0].GetString().Should().Be("multipart/form-data");
    }

    [Theory]
    [InlineData("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dxf\"\r\n\r\n0\r\nEOF\r\n")]
    [InlineData("not a multipart body at all")]
    [InlineData("--b\r\nno headers end here")]
    public async Task A_malformed_multipart_body_is_400_multipart_invalid(string raw)
    {
        using var body = new ByteArrayContent(Encoding.ASCII.GetBytes(raw));
        body.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        await (await _client.PostAsync("/api/v1/analyze", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MULTIPART_INVALID", "upload");
    }

    [Fact]
    public async Task A_multipart_content_type_without_a_boundary_is_400_multipart_invalid()
    {
        using var body = new ByteArrayContent(_dxf);
        body.Headers.ContentType = new MediaTypeHeaderValue("multipart/form-data");
        await (await _client.PostAsync("/api/v1/analyze", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MULTIPART_INVALID", "upload");
    }

    [Fact]
    public async Task The_hash_taken_while_reading_is_the_files_sha256()
    {
        var response = await _client.AnalyzeAsync(_dxfName, _dxf);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("sha256").GetString().Should().Be(Convert.ToHexStringLower(SHA256.HashData(_dxf)));
    }
}
