using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CadMl.Cli;

/// <summary>Where the service is and how to reach it. The API key is held here and sent, never printed.</summary>
internal sealed record Connection(Uri BaseUrl, string? ApiKey, TimeSpan Timeout, int MaxAttempts)
{
    public static Connection From(Arguments args)
    {
        var url = args.Text("url", Environment.GetEnvironmentVariable("CADML_URL") ?? "http://127.0.0.1:8080")!;
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != "http" && baseUrl.Scheme != "https"))
        {
            throw new UsageException($"--url / CADML_URL must be an http(s) URL (was '{url}').");
        }

        var key = args.Text("api-key", Environment.GetEnvironmentVariable("CADML_API_KEY"));
        var timeout = TimeSpan.FromSeconds(args.Int("timeout", 120, 1, 3600));
        var attempts = args.Int("retries", 8, 0, 100) + 1;
        return new Connection(baseUrl, string.IsNullOrEmpty(key) ? null : key, timeout, attempts);
    }
}

/// <summary>One HTTP answer: status, body (JSON or problem+json) and, for a problem, its code.</summary>
internal sealed record Answer(HttpStatusCode Status, JsonNode? Body, int Attempts)
{
    public bool Ok => (int)Status is >= 200 and < 300;

    public string Code => Body?["code"]?.GetValue<string>() ?? $"HTTP_{(int)Status}";

    public string Message => Body?["message"]?.GetValue<string>() ?? Status.ToString();
}

/// <summary>
/// The service's API with retries: 503 (overloaded, store opening), 409
/// <c>IDEMPOTENCY_KEY_IN_PROGRESS</c>, 429, 502, connection failures and timeouts are retried with
/// exponential backoff and jitter, waiting at least what <c>Retry-After</c> says. Every retry of a
/// write carries the same <c>Idempotency-Key</c>, so a retry after a timeout that did commit
/// replays the stored answer instead of storing the file twice.
/// </summary>
internal sealed class ServiceClient(Connection connection) : IDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http = Create(connection);
    private long _retries;

    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Retries by what caused them (a problem code, <c>timeout</c>, a connection error).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> RetryReasons { get; } = new(StringComparer.Ordinal);

    public Uri BaseUrl => connection.BaseUrl;

    public Task<Answer> AnalyzeAsync(string path, string fileName, string? material, string? project, string? idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(() =>
        {
            var form = new MultipartFormDataContent();
            var file = new StreamContent(File.OpenRead(path));
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "file", fileName);
            if (material is not null)
            {
                form.Add(new StringContent(material), "material");
            }

            if (project is not null)
            {
                form.Add(new StringContent(project), "project_id");
            }

            return Request(HttpMethod.Post, "api/v1/analyze", form, idempotencyKey);
        }, cancellationToken);

    public Task<Answer> RegisterAsync(JsonObject body, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(() => Request(HttpMethod.Post, "api/v1/vectors", JsonContent.Create(body), idempotencyKey), cancellationToken);

    public Task<Answer> SearchAsync(string id, int k, CancellationToken cancellationToken) =>
        SendAsync(() => Request(HttpMethod.Post, "api/v1/vectors/search", JsonContent.Create(new JsonObject { ["id"] = id, ["k"] = k, ["exclude_self"] = true }), null), cancellationToken);

    public Task<Answer> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(() => Request(HttpMethod.Get, path, null, null), cancellationToken);

    private static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return request;
    }

    private async Task<Answer> SendAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            string failure;
            try
            {
                using var request = build();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(connection.Timeout);
                using var response = await _http.SendAsync(request, timeout.Token);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                var body = Parse(text);
                var answer = new Answer(response.StatusCode, body, attempt);
                if (!Transient(answer) || attempt >= connection.MaxAttempts)
                {
                    return answer;
                }

                retryAfter = response.Headers.RetryAfter?.Delta;
                failure = answer.Code;
            }
            catch (HttpRequestException exception) when (attempt < connection.MaxAttempts)
            {
                failure = exception.HttpRequestError.ToString();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && attempt < connection.MaxAttempts)
            {
                failure = "timeout";
            }

            Interlocked.Increment(ref _retries);
            RetryReasons.AddOrUpdate(failure, 1, (_, n) => n + 1);
            await Task.Delay(Backoff(attempt, retryAfter), cancellationToken);
        }
    }

    /// <summary>Worth the same request again: the service said "later", or never answered.</summary>
    private static bool Transient(Answer answer) => answer.Status switch
    {
        HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway => true,
        HttpStatusCode.Conflict => answer.Code == "IDEMPOTENCY_KEY_IN_PROGRESS",
        _ => false,
    };

    /// <summary>Exponential with full jitter on top of the service's Retry-After, so retrying clients spread out.</summary>
    internal static TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = Math.Min(MaxBackoff.TotalMilliseconds, FirstBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1));
        var jittered = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * exponential);
        return retryAfter is { } floor ? floor + jittered / 4 : jittered + FirstBackoff / 2;
    }

    private static JsonNode? Parse(string text)
    {
        try
        {
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static HttpClient Create(Connection connection)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        // The per-attempt timeout is ours (a linked token), so a retry gets a fresh budget.
        var http = new HttpClient(handler) { BaseAddress = connection.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
        if (connection.ApiKey is not null)
        {
            http.DefaultRequestHeaders.Add("X-API-Key", connection.ApiKey);
        }

        return http;
    }

    public void Dispose() => _http.Dispose();
}
