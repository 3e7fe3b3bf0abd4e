using System.Buffers;
using System.Text;
using System.Text.Json;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CadMl.Api.Http;

/// <summary>An upload as the analysis use case needs it: the file bytes and the optional form fields.</summary>
public sealed record Upload(string FileName, ReadOnlyMemory<byte> Content, string? FeatureVersion, string? Material, string? ProjectId, double? MinScore = null);

/// <summary>
/// Reads a multipart upload straight from the request stream with a hard byte limit: the file is
/// never buffered to disk, and reading stops one byte past the limit, so an oversized upload
/// costs at most the limit in memory and answers 413 at once.
/// </summary>
public static class MultipartUpload
{
    private const int MaxFieldBytes = 16 * 1024;

    public static async Task<(Upload? Upload, Problem? Problem)> ReadAsync(HttpRequest request, long maxFileBytes, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxFileBytes + (4 * MaxFieldBytes) + (64 * 1024);
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return (null, Invalid("file", "Send the file as multipart/form-data with a 'file' part."));
        }

        var reader = new MultipartReader(boundary, request.Body);
        string? fileName = null, featureVersion = null, material = null, projectId = null;
        double? minScore = null;
        ReadOnlyMemory<byte> content = default;
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            if (name == "file" && disposition.IsFileDisposition())
            {
                fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                var read = await ReadLimitedAsync(section.Body, maxFileBytes, cancellationToken);
                if (read is null)
                {
                    return (null, Problem.Invalid("FILE_TOO_LARGE", "input", "The file is larger than this service accepts.",
                        new Dictionary<string, object?> { ["limit_bytes"] = maxFileBytes }));
                }

                content = read.Value;
                continue;
            }

            var value = await ReadFieldAsync(section.Body, cancellationToken);
            if (value is null)
            {
                return (null, Invalid(name ?? "field", $"Form fields are limited to {MaxFieldBytes} bytes."));
            }

            switch (name)
            {
                case "options":
                    if (!TryReadOptions(value, out featureVersion, out minScore))
                    {
                        return (null, Invalid("options", "options must be a JSON object such as {\"feature_version\": \"v5\", \"min_score\": 0.8}."));
                    }

                    break;
                case "material":
                    material = value;
                    break;
                case "project_id":
                    projectId = value;
                    break;
            }
        }

        return fileName is null
            ? (null, Invalid("file", "The multipart body has no 'file' part."))
            : (new Upload(fileName, content, featureVersion, material, projectId, minScore), null);
    }

    private static bool TryReadOptions(string json, out string? featureVersion, out double? minScore)
    {
        featureVersion = null;
        minScore = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            if (document.RootElement.TryGetProperty("feature_version", out var version))
            {
                if (version.ValueKind != JsonValueKind.String)
                {
                    return false;
                }

                featureVersion = version.GetString();
            }

            if (document.RootElement.TryGetProperty("min_score", out var floor))
            {
                if (floor.ValueKind != JsonValueKind.Number)
                {
                    return false;
                }

                minScore = floor.GetDouble();
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the stream holds more.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        var bytes = await ReadLimitedAsync(body, MaxFieldBytes, cancellationToken);
        return bytes is null ? null : Encoding.UTF8.GetString(bytes.Value.Span);
    }

    private static Problem Invalid(string field, string message) => ValidationProblem.From([new FieldError(field, message)]);
}
