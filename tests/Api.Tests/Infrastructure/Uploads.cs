using System.Net.Http.Headers;

namespace CadMl.Api.Tests.Infrastructure;

public static class Uploads
{
    public static MultipartFormDataContent Form(string fileName, byte[] content, string? options = null, string? material = null, string? projectId = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (options is not null)
        {
            form.Add(new StringContent(options), "options");
        }

        if (material is not null)
        {
            form.Add(new StringContent(material), "material");
        }

        if (projectId is not null)
        {
            form.Add(new StringContent(projectId), "project_id");
        }

        return form;
    }

    public static Task<HttpResponseMessage> AnalyzeAsync(this HttpClient client, string fileName, byte[] content, string? options = null, string? material = null) =>
        client.PostAsync("/api/v1/analyze", Form(fileName, content, options, material));
}
