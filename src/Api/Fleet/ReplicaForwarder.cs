using System.Net.Http.Headers;
using CadMl.Api.Security;
using CadMl.Application.Fleet.ResolveReplicaTarget;

namespace CadMl.Api.Fleet;

/// <summary>What a per-replica operation is, taken from the incoming request once, so fan-out calls never touch the HttpContext.</summary>
public sealed record ReplicaRequest(string Method, string Path, QueryString Query, string? ContentType, byte[] Body, string? ApiKey, string? AdminToken);

/// <summary>One replica's answer to a per-replica operation; <see cref="Unreachable"/> is set (and the rest empty) when it gave none.</summary>
public sealed record ReplicaAnswer(string ReplicaId, int Status, string? ContentType, byte[] Body, string? Unreachable = null);

/// <summary>
/// Sends a per-replica operation to another replica's advertised URL with the caller's own API key
/// and admin token (already checked here; the target checks them again) and <c>?replica=</c> set to
/// the target, so the target runs it itself. Redirects are not followed: the answer comes from the
/// URL the heartbeat table names or not at all.
/// </summary>
public sealed partial class ReplicaForwarder(HttpClient client, ILogger<ReplicaForwarder> logger)
{
    /// <summary>Set on forwarded requests: a replica that receives one for another replica refuses it instead of forwarding again.</summary>
    public const string ForwardedByHeader = "X-Forwarded-By-Replica";

    /// <summary>How long a target may take: a manual recover rebuilds the index from the store.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(60);

    public static HttpClient CreateClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout,
            MaxResponseContentBufferSize = 4 * 1024 * 1024,
        };

    public async Task<ReplicaAnswer> ForwardAsync(ReplicaRequest request, ReplicaEndpoint target, string self, CancellationToken cancellationToken)
    {
        if (target.Url is null)
        {
            return new ReplicaAnswer(target.ReplicaId, StatusCodes.Status502BadGateway, null, [], target.Unreachable ?? "it advertises no REPLICA_URL");
        }

        var query = QueryString.Create(request.Query.HasValue
            ? Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.Query.Value)
                .Where(pair => pair.Key is not (ReplicaTargetMiddleware.ReplicaParameter or ReplicaTargetMiddleware.ScopeParameter))
                .SelectMany(pair => pair.Value.Select(value => new KeyValuePair<string, string?>(pair.Key, value)))
                .Append(new(ReplicaTargetMiddleware.ReplicaParameter, target.ReplicaId))
            : [new(ReplicaTargetMiddleware.ReplicaParameter, target.ReplicaId)]);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(new Uri(target.Url), request.Path + query.ToUriComponent()));
        if (!HttpMethods.IsGet(request.Method))
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null && MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType))
            {
                message.Content.Headers.ContentType = contentType;
            }
        }

        Copy(message, ApiKeyMiddleware.ApiKeyHeader, request.ApiKey);
        Copy(message, ApiKeyMiddleware.AdminTokenHeader, request.AdminToken);
        message.Headers.Add(ForwardedByHeader, self);
        try
        {
            using var response = await client.SendAsync(message, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return new ReplicaAnswer(target.ReplicaId, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body);
        }
        catch (HttpRequestException exception)
        {
            LogForwardFailed(exception, target.ReplicaId);
            return new ReplicaAnswer(target.ReplicaId, StatusCodes.Status502BadGateway, null, [], $"it did not answer ({exception.HttpRequestError})");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ReplicaAnswer(target.ReplicaId, StatusCodes.Status502BadGateway, null, [], $"it did not answer within {Timeout.TotalSeconds:0} s");
        }
    }

    private static void Copy(HttpRequestMessage message, string header, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            message.Headers.TryAddWithoutValidation(header, value);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding an admin operation to replica {ReplicaId} failed")]
    private partial void LogForwardFailed(Exception exception, string replicaId);
}
