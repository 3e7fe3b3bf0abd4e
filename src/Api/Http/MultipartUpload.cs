using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CadMl.Api.Http;

/// <summary>
/// An upload as the analysis use case needs it: the file bytes, their SHA-256 and the optional
/// form fields. Disposing it returns a pooled buffer: dispose only once the analysis is answered.
/// </summary>
public sealed record Upload(string FileName, ReadOnlyMemory<byte> Content, string Sha256, string? FeatureVersion, string? Material, string? ProjectId, double? MinScore = null)
    : IDisposable
{
    internal byte[]? Pooled { get; init; }

    public void Dispose()
    {
        if (Pooled is { } pooled)
        {
            UploadBuffers.Return(pooled);
        }
    }
}

/// <summary>
/// Reads a multipart upload straight from the request stream with hard limits: the file is never
/// buffered to disk and lands in memory once (one array sized from Content-Length, hashed while
/// it arrives), reading stops one byte past the file limit (413 at once), and the form around it
/// is bounded in parts and bytes. Every refusal is a problem with stage <c>upload</c> (or
/// <c>input</c> for the file limit, as before): never a 500.
/// </summary>
public static class MultipartUpload
{
    private const int MaxFieldBytes = 16 * 1024;

    /// <summary>Parts other than the file: the three known fields and some slack for clients that send more.</summary>
    private const int MaxParts = 16;

    private const int MaxFormBytes = 4 * MaxFieldBytes;

    /// <summary>Multipart framing (boundaries, part headers) allowed on top of the file and the fields.</summary>
    private const int FramingBytes = 64 * 1024;

    private const int GrowthChunk = 1024 * 1024;

    private static readonly string[] SupportedMediaTypes = ["multipart/form-data"];

    public static long MaxBodyBytes(long maxFileBytes) => maxFileBytes + MaxFormBytes + FramingBytes;

    public static async Task<(Upload? Upload, Problem? Problem)> ReadAsync(HttpRequest request, long maxFileBytes, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes(maxFileBytes);
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return (null, new Problem(ErrorCodes.UnsupportedMediaType, "upload",
                "Send the file as multipart/form-data with a 'file' part.",
                new Dictionary<string, object?> { ["content_type"] = request.ContentType, ["supported"] = SupportedMediaTypes }));
        }

        if (HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return (null, Malformed("missing_boundary", "The multipart Content-Type has no boundary."));
        }

        try
        {
            return await ReadFormAsync(new MultipartReader(boundary, request.Body), request.ContentLength, maxFileBytes, cancellationToken);
        }
        catch (InvalidDataException exception)
        {
            // MultipartReader's word for a body that is not the multipart it claims to be.
            return (null, Malformed("malformed", exception.Message));
        }
        catch (IOException exception) when (!cancellationToken.IsCancellationRequested && exception is not BadHttpRequestException)
        {
            // The body ended before the closing boundary (a truncated or non-multipart body).
            return (null, Malformed("truncated", exception.Message));
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(maxFileBytes));
        }
        catch (BadHttpRequestException exception)
        {
            return (null, Malformed("bad_request", exception.Message));
        }
    }

    private static async Task<(Upload? Upload, Problem? Problem)> ReadFormAsync(MultipartReader reader, long? contentLength, long maxFileBytes, CancellationToken cancellationToken)
    {
        string? fileName = null, featureVersion = null, material = null, projectId = null, sha256 = null;
        double? minScore = null;
        ReadOnlyMemory<byte> content = default;
        byte[]? pooled = null;
        try
        {
            int parts = 0, formBytes = 0;
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    return (null, Malformed("no_content_disposition", "Every part needs a Content-Disposition header."));
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name == "file" && disposition.IsFileDisposition())
                {
                    if (fileName is not null)
                    {
                        return (null, Malformed("duplicate_file_part", "Send exactly one 'file' part; this body has more."));
                    }

                    fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                    var read = await ReadFileAsync(section.Body, contentLength, maxFileBytes, cancellationToken);
                    if (read is null)
                    {
                        return (null, TooLarge(maxFileBytes));
                    }

                    (content, sha256, pooled) = read.Value;
                    continue;
                }

                if (++parts > MaxParts)
                {
                    return (null, Malformed("too_many_parts", $"A form may have at most {MaxParts} parts besides the file.",
                        new Dictionary<string, object?> { ["max_parts"] = MaxParts }));
                }

                var value = await ReadFieldAsync(section.Body, cancellationToken);
                if (value is null)
                {
                    return (null, Invalid(name ?? "field", $"Form fields are limited to {MaxFieldBytes} bytes."));
                }

                formBytes += value.Length;
                if (formBytes > MaxFormBytes)
                {
                    return (null, new Problem(ErrorCodes.FormTooLarge, "upload",
                        $"The form fields besides the file are limited to {MaxFormBytes} bytes in all.",
                        new Dictionary<string, object?> { ["limit_bytes"] = MaxFormBytes }));
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

            if (fileName is null)
            {
                return (null, Invalid("file", "The multipart body has no 'file' part."));
            }

            var upload = new Upload(fileName, content, sha256!, featureVersion, material, projectId, minScore) { Pooled = pooled };
            pooled = null;
            return (upload, null);
        }
        finally
        {
            // Every way out but a complete upload (a refusal, a malformed body) gives the buffer back here.
            if (pooled is not null)
            {
                UploadBuffers.Return(pooled);
            }
        }
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

    /// <summary>
    /// Reads the file part into one array and hashes it on the way; null when it is larger than
    /// <paramref name="limit"/>. With a Content-Length the array is sized once from it (the file
    /// is smaller than the body), so a large upload is held once, not in a doubling MemoryStream's
    /// two or three copies; without one it grows chunk by chunk. Small files use pooled arrays
    /// (returned in <c>Pooled</c> for the caller to give back).
    /// </summary>
    private static async Task<(ReadOnlyMemory<byte> Content, string Sha256, byte[]? Pooled)?> ReadFileAsync(Stream body, long? contentLength, long limit, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var capacity = (int)Math.Max(Math.Min(contentLength ?? GrowthChunk, limit + 1), 1);
        var buffer = UploadBuffers.Rent(capacity);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == capacity)
                {
                    if (length > limit)
                    {
                        return null;
                    }

                    capacity = (int)Math.Min((long)length + GrowthChunk, limit + 1);
                    var grown = UploadBuffers.Rent(capacity);
                    buffer.AsSpan(0, length).CopyTo(grown);
                    UploadBuffers.Return(buffer);
                    buffer = grown;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length, capacity - length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, length, read);
                length += read;
            }

            if (length > limit)
            {
                return null;
            }

            var result = (new ReadOnlyMemory<byte>(buffer, 0, length), Convert.ToHexStringLower(hash.GetHashAndReset()), buffer.Length <= UploadBuffers.MaxPooledBytes ? buffer : null);
            buffer = null!;
            return result;
        }
        finally
        {
            if (buffer is not null)
            {
                UploadBuffers.Return(buffer);
            }
        }
    }

    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(MaxFieldBytes + 1);
        try
        {
            var length = 0;
            int read;
            while ((read = await body.ReadAsync(chunk.AsMemory(length, MaxFieldBytes + 1 - length), cancellationToken)) > 0)
            {
                length += read;
                if (length > MaxFieldBytes)
                {
                    return null;
                }
            }

            return Encoding.UTF8.GetString(chunk, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static Problem TooLarge(long maxFileBytes) =>
        new Problem(ErrorCodes.FileTooLarge, "input", "The file is larger than this service accepts.",
            new Dictionary<string, object?> { ["limit_bytes"] = maxFileBytes });

    private static Problem Malformed(string reason, string message, Dictionary<string, object?>? context = null)
    {
        context ??= [];
        context["reason"] = reason;
        return new Problem(ErrorCodes.MultipartInvalid, "upload", message, context);
    }

    private static Problem Invalid(string field, string message) => ValidationProblem.From([new FieldError(field, message)]);
}
