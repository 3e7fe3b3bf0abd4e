using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CadMl.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CadMl.Api.Tests;

/// <summary>
/// The error contract under malformed requests, on the real process (Kestrel's own limits and
/// parsing included): malformed multipart, wrong content types, bad JSON, odd queries, unknown
/// routes and methods, large headers, broken framing. Every answer is either a success or a
/// problem+json with code, stage, message, context and trace_id, and none is a 500.
/// </summary>
public sealed partial class HttpSurfaceFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] ProblemMembers = ["type", "title", "status", "detail", "code", "stage", "message", "context", "trace_id"];

    [Fact]
    public async Task Every_malformed_request_gets_a_problem_json_answer_and_none_is_a_500()
    {
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            await using var service = await ServiceProcess.StartAsync(dataDir);
            using var client = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            var cases = Cases().ToList();
            var violations = new List<string>();
            var statuses = new Dictionary<int, int>();
            foreach (var (name, build) in cases)
            {
                using var request = build();
                HttpResponseMessage response;
                try
                {
                    response = await client.SendAsync(request);
                }
                catch (HttpRequestException exception)
                {
                    violations.Add($"{name}: no answer ({exception.Message})");
                    continue;
                }

                using var answered = response;
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var body = await response.Content.ReadAsStringAsync();
                if (Violation(status, response.Content.Headers.ContentType?.MediaType, body) is { } violation)
                {
                    violations.Add($"{name}: {status} {violation} {body[..Math.Min(body.Length, 200)]}");
                }
            }

            foreach (var (name, raw) in RawCases())
            {
                int status;
                string? mediaType;
                string body;
                try
                {
                    (status, mediaType, body) = await SendRawAsync(service.BaseAddress, raw);
                }
                catch (IOException exception)
                {
                    violations.Add($"raw {name}: no answer ({exception.Message})");
                    continue;
                }

                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                if (Violation(status, mediaType, body) is { } violation)
                {
                    violations.Add($"raw {name}: {status} {violation} {body[..Math.Min(body.Length, 200)]}");
                }
            }

            output.WriteLine($"{cases.Count + RawCases().Count()} requests; statuses: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
            (cases.Count + RawCases().Count()).Should().BeGreaterThanOrEqualTo(200);
            violations.Should().BeEmpty();
            statuses.Keys.Should().NotContain(500);
            (await client.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK, "the service survived the run");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>
    /// Requests Kestrel rejects while parsing the request line and headers (over its 32 KB header
    /// limit, a NUL in the path) are answered by the server before any application code runs, so
    /// the body cannot carry the problem shape; what is promised there is a 4xx, not a 500 and
    /// not a hang. These are the only bodiless errors the service gives.
    /// </summary>
    [Fact]
    public async Task Requests_kestrel_rejects_before_the_application_get_a_4xx_not_a_500()
    {
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            await using var service = await ServiceProcess.StartAsync(dataDir);
            using var client = new HttpClient { BaseAddress = service.BaseAddress };
            using var huge = new HttpRequestMessage(HttpMethod.Get, "/health");
            huge.Headers.TryAddWithoutValidation("X-Huge", new string('h', 40 * 1024));

            using var tooLarge = await client.SendAsync(huge);
            using var nul = await client.GetAsync("/api/v1/vectors/%00");

            tooLarge.StatusCode.Should().Be(HttpStatusCode.RequestHeaderFieldsTooLarge);
            nul.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    public static TheoryData<string, string> MalformedMultipart() => new()
    {
        { "part headers cut off", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dxf\"" },
        { "part header line over the reader's limit", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dxf\"\r\nX-Long: " + new string('a', 20_000) + "\r\n\r\nx\r\n--b--" },
        { "no closing boundary", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dxf\"\r\n\r\n0\r\nEOF" },
    };

    [Theory]
    [MemberData(nameof(MalformedMultipart))]
    public async Task A_malformed_multipart_body_is_400_multipart_invalid(string why, string body)
    {
        using var factory = new CadMlFactory();
        using var client = factory.CreateAuthenticatedClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");

        var response = await client.PostAsync("/api/v1/analyze", content);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MULTIPART_INVALID", "upload");
        why.Should().NotBeEmpty();
    }

    [Fact]
    public async Task Analyze_with_a_json_body_is_415_unsupported_media_type_naming_the_type()
    {
        using var factory = new CadMlFactory();
        using var client = factory.CreateAuthenticatedClient();

        var response = await client.PostAsync("/api/v1/analyze", new StringContent("{\"file\":\"x\"}", Encoding.UTF8, "application/json"));

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "upload");
        body.GetProperty("context").GetProperty("content_type").GetString().Should().StartWith("application/json");
    }

    [Fact]
    public async Task A_json_route_sent_text_is_415_and_a_wrong_method_is_405_both_in_the_problem_shape()
    {
        using var factory = new CadMlFactory();
        using var client = factory.CreateAuthenticatedClient();

        await (await client.PostAsync("/api/v1/vectors", new StringContent("{}", Encoding.UTF8, "text/plain")))
            .ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "content_type");
        await (await client.PutAsync("/api/v1/vectors", new StringContent("{}", Encoding.UTF8, "application/json")))
            .ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED", "routing");
    }

    private static string? Violation(int status, string? mediaType, string body)
    {
        if (status is 0 or 500)
        {
            return status == 0 ? "got no answer" : "is a 500";
        }

        if (status < 400)
        {
            return null;
        }

        if (mediaType != "application/problem+json")
        {
            return $"has content type {mediaType ?? "(none)"}";
        }

        try
        {
            var root = JsonDocument.Parse(body).RootElement;
            var members = root.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            if (!ProblemMembers.All(members.Contains))
            {
                return $"lacks {string.Join(",", ProblemMembers.Where(m => !members.Contains(m)))}";
            }

            return !UpperSnake().IsMatch(root.GetProperty("code").GetString() ?? "") ? "has a code that is not UPPER_SNAKE"
                : string.IsNullOrWhiteSpace(root.GetProperty("stage").GetString()) ? "has no stage"
                : root.GetProperty("context").ValueKind != JsonValueKind.Object ? "has no context object"
                : root.GetProperty("status").GetInt32() != status ? "has a status member unlike the response"
                : null;
        }
        catch (JsonException)
        {
            return "is not JSON";
        }
    }

    private static IEnumerable<(string Name, Func<HttpRequestMessage> Build)> Cases()
    {
        var random = new Random(16);

        // Malformed multipart bodies on analyze, with a valid key: the reader must refuse, not crash.
        const string B = "fuzzboundary";
        string[] multipartBodies =
        [
            "",
            "--" + B,
            "--" + B + "\r\n",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dxf\"\r\n\r\n0\r\nEOF",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dxf\"\r\n",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dxf\"",
            "--" + B + "\r\n\r\n\r\n--" + B + "--",
            "--" + B + "\r\nContent-Disposition: garbage\r\n\r\nx\r\n--" + B + "--",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n--" + B + "--",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n{not json\r\n--" + B + "--",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n[1,2]\r\n--" + B + "--",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n{\"feature_version\":7}\r\n--" + B + "--",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dwg\"\r\n\r\nAC1018\r\n--" + B + "--",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../etc/passwd\"\r\n\r\nx\r\n--" + B + "--",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.stl\"\r\n" + "X-Long: " + new string('a', 20_000) + "\r\n\r\nx\r\n--" + B + "--",
            "--" + B + "\r\n" + string.Concat(Enumerable.Repeat("X-H: v\r\n", 3000)) + "\r\nx\r\n--" + B + "--",
            "--" + B + "\r\nContent-Disposition: form-data; name=\"material\"\r\n\r\n" + new string('m', 20_000) + "\r\n--" + B + "--",
            "--" + B + "--",
            "garbage before\r\n--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dxf\"\r\n\r\n0\r\nEOF\r\n--" + B + "--",
            "--" + B + "\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dxf\"\n\n0\nEOF\n--" + B + "--",
        ];
        foreach (var (body, i) in multipartBodies.Select((b, i) => (b, i)))
        {
            yield return ($"multipart body {i}", () => Analyze(Encoding.UTF8.GetBytes(body), $"multipart/form-data; boundary={B}"));
        }

        for (var i = 0; i < 40; i++)
        {
            var bytes = new byte[random.Next(0, 4096)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length > 40)
            {
                Encoding.ASCII.GetBytes("--" + B + "\r\n").CopyTo(bytes, 0);
            }

            yield return ($"random multipart bytes {i}", () => Analyze(bytes, $"multipart/form-data; boundary={B}"));
        }

        // Content types analyze does not take, or takes with a broken boundary.
        string?[] contentTypes =
        [
            null, "application/json", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream",
            "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
            "multipart/mixed; boundary=x", "multipart/form-data; boundary=" + new string('b', 200), ";;;", "multipart/",
            "image/png", "application/problem+json", "text/html; charset=utf-16", "multipart/form-data; boundary=a; boundary=b",
        ];
        foreach (var (type, i) in contentTypes.Select((t, i) => (t, i)))
        {
            yield return ($"analyze content type {i} {type}", () => Analyze(Encoding.UTF8.GetBytes("{\"file\":\"x\"}"), type));
        }

        // Bad JSON on every JSON route (admin routes with the token, so the body is what is judged).
        (string Method, string Path)[] jsonRoutes =
        [
            ("POST", "/api/v1/vectors"), ("POST", "/api/v1/vectors/search"), ("POST", "/api/v1/vectors/migrate"),
            ("POST", "/api/v1/health/features/cache/apply"), ("POST", "/api/v1/health/features/cache/prewarm"),
            ("POST", "/api/v1/faiss/recover"), ("POST", "/api/v1/faiss/degrade"), ("POST", "/api/v1/model/reload"),
            ("POST", "/api/v1/store/backup"),
        ];
        string[] badJson =
        [
            "{", "}", "[", "nul", "{\"id\":}", "{\"vector\":[1,2,", "{\"vector\":\"abc\"}", "{\"k\":1e999}", "{\"k\":NaN}",
            new string('[', 5000) + new string(']', 5000), "{\"a\":" + new string('{', 200) + new string('}', 200) + "}", "\u0000\u0001",
            "{\"capacity\":99999999999999999999}", "{\"capacity\":-1}", "{\"capacity\":2000000}", "\"just a string\"", "12", "{\"name\":[]}",
        ];
        foreach (var (method, path) in jsonRoutes)
        {
            foreach (var (json, i) in badJson.Select((j, i) => (j, i)))
            {
                yield return ($"{method} {path} bad json {i}", () => Json(method, path, json, "application/json"));
            }

            yield return ($"{method} {path} as text/plain", () => Json(method, path, "{}", "text/plain"));
            yield return ($"{method} {path} as form", () => Json(method, path, "a=b", "application/x-www-form-urlencoded"));
        }

        // Queries with values of the wrong type or range.
        string[] queries =
        [
            "/api/v1/vectors?limit=abc", "/api/v1/vectors?offset=-1", "/api/v1/vectors?limit=99999999999", "/api/v1/features/slots?version=v99",
            "/api/v1/features/slots", "/api/v1/vectors/migrate/preview?to_version=zz&limit=-5", "/api/v1/vectors/migrate/preview",
            "/api/v1/vectors/%20", "/api/v1/vectors/" + new string('x', 3000), "/api/v1/analyze/%2e%2e%2f%2e%2e", "/api/v1/vectors?feature_version=v0",
        ];
        foreach (var (query, i) in queries.Select((q, i) => (q, i)))
        {
            yield return ($"query {i}", () => Authenticated(HttpMethod.Get, query));
        }

        // Unknown routes and methods, with and without a key.
        string[] paths = ["/", "/nope", "/api", "/api/v1", "/api/v2/vectors", "/api/v1/vectors/a/b/c", "/api/v1/../../etc/passwd", "/ready/x", "/metrics/x", "/%ff%fe"];
        foreach (var path in paths)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
            {
                yield return ($"{method} {path}", () => Authenticated(method, path));
                yield return ($"{method} {path} anonymous", () => new HttpRequestMessage(method, path));
            }
        }

        foreach (var (method, path) in new[] { ("PUT", "/api/v1/vectors"), ("PATCH", "/health"), ("DELETE", "/ready"), ("POST", "/metrics"), ("PUT", "/api/v1/analyze"), ("DELETE", "/api/v1/vectors") })
        {
            yield return ($"wrong method {method} {path}", () => Authenticated(new HttpMethod(method), path));
        }

        // Large headers inside Kestrel's limits, and headers that are not what auth expects.
        foreach (var size in new[] { 1024, 8 * 1024, 16 * 1024, 28 * 1024 })
        {
            yield return ($"header of {size} bytes", () =>
            {
                var request = Authenticated(HttpMethod.Get, "/api/v1/vectors/none");
                request.Headers.TryAddWithoutValidation("X-Big", new string('h', size));
                return request;
            });
            yield return ($"api key of {size} bytes", () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/vectors/stats");
                request.Headers.TryAddWithoutValidation("X-API-Key", new string('k', size));
                return request;
            });
        }

        yield return ("90 headers", () =>
        {
            var request = Authenticated(HttpMethod.Get, "/api/v1/vectors/none");
            for (var i = 0; i < 90; i++)
            {
                request.Headers.TryAddWithoutValidation($"X-H{i}", "v");
            }

            return request;
        });
        yield return ("two api keys", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/vectors/stats");
            request.Headers.TryAddWithoutValidation("X-API-Key", [CadMlFactory.ApiKey, "other"]);
            return request;
        });
        yield return ("wrong admin token", () =>
        {
            var request = Json("POST", "/api/v1/store/backup", "{}", "application/json");
            request.Headers.Remove("X-Admin-Token");
            request.Headers.TryAddWithoutValidation("X-Admin-Token", "not-the-admin-token");
            return request;
        });
    }

    /// <summary>
    /// Framing that HttpClient would never send, broken inside the body where the application is
    /// reading it: Kestrel's 400s must reach the caller in the problem shape too. (A body that
    /// just stops is a client going away; nobody is left to answer.)
    /// </summary>
    private static IEnumerable<(string Name, string Raw)> RawCases()
    {
        var key = CadMlFactory.ApiKey;
        yield return ("bad chunk size", $"POST /api/v1/vectors HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        yield return ("bad chunk suffix", $"POST /api/v1/vectors/search HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}XX");
        yield return ("bad chunked multipart", $"POST /api/v1/analyze HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nContent-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n--b\r\n\r\nqq\r\n");
        yield return ("bad chunk size on an admin route", $"POST /api/v1/health/features/cache/apply HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nX-Admin-Token: {CadMlFactory.AdminToken}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n");
    }

    private static HttpRequestMessage Analyze(byte[] body, string? contentType)
    {
        var request = Authenticated(HttpMethod.Post, "/api/v1/analyze");
        request.Content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return request;
    }

    private static HttpRequestMessage Json(string method, string path, string body, string contentType)
    {
        var request = Authenticated(new HttpMethod(method), path);
        request.Headers.Add("X-Admin-Token", CadMlFactory.AdminToken);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return request;
    }

    private static HttpRequestMessage Authenticated(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-API-Key", CadMlFactory.ApiKey);
        return request;
    }

    /// <summary>
    /// Sends bytes as given and reads one HTTP/1.1 response, close delimited: the server closes a
    /// connection whose framing broke. No half-close (Kestrel takes it for a client that went
    /// away), and each case ends exactly where its framing breaks, so the server has read every
    /// byte and its close cannot reset the answer away.
    /// </summary>
    private static async Task<(int Status, string? MediaType, string Body)> SendRawAsync(Uri baseAddress, string raw)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(raw));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = await reader.ReadToEndAsync(timeout.Token);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? "" : text[(split + 4)..];
        var lines = head.Split("\r\n");
        if (lines[0].Split(' ') is not [_, var code, ..])
        {
            return (0, null, "(the connection closed without a response)");
        }

        var status = int.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
        var type = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Split(';')[0].Trim()).FirstOrDefault();
        if (lines.Any(l => l.StartsWith("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)))
        {
            body = Dechunk(body);
        }

        return (status, type, body);
    }

    private static string Dechunk(string chunked)
    {
        var result = new StringBuilder();
        var position = 0;
        while (position < chunked.Length)
        {
            var end = chunked.IndexOf("\r\n", position, StringComparison.Ordinal);
            if (end < 0)
            {
                break;
            }

            var size = Convert.ToInt32(chunked[position..end].Split(';')[0], 16);
            if (size == 0)
            {
                break;
            }

            result.Append(chunked, end + 2, Math.Min(size, chunked.Length - end - 2));
            position = end + 2 + size + 2;
        }

        return result.ToString();
    }

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex UpperSnake();
}
