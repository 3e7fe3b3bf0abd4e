using CadMl.Api.Http;
using CadMl.Application.Common.Problems;

namespace CadMl.Api.Security;

/// <summary>
/// Guards every <c>/api/v1</c> path, known route or not, so an unauthenticated caller learns
/// nothing about which routes exist. Runs after routing so it can see <see cref="AdminOnlyAttribute"/>.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, SecretComparer secrets)
{
    public const string ApiKeyHeader = "X-API-Key";
    public const string AdminTokenHeader = "X-Admin-Token";

    public Task InvokeAsync(HttpContext http)
    {
        if (!http.Request.Path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase))
        {
            return next(http);
        }

        var key = http.Request.Headers[ApiKeyHeader].ToString();
        if (key.Length == 0)
        {
            return Refuse(http, ErrorCodes.AuthMissingApiKey, $"The {ApiKeyHeader} header is required.", ApiKeyHeader);
        }

        if (!secrets.IsApiKey(key))
        {
            return Refuse(http, ErrorCodes.AuthInvalidApiKey, $"The {ApiKeyHeader} header does not hold an accepted key.", ApiKeyHeader);
        }

        if (http.GetEndpoint()?.Metadata.GetMetadata<AdminOnlyAttribute>() is not null)
        {
            var token = http.Request.Headers[AdminTokenHeader].ToString();
            if (token.Length == 0)
            {
                return Refuse(http, ErrorCodes.AuthMissingAdminToken, $"This operation needs the {AdminTokenHeader} header.", AdminTokenHeader);
            }

            if (!secrets.IsAdminToken(token))
            {
                return Refuse(http, ErrorCodes.AuthInvalidAdminToken, $"The {AdminTokenHeader} header does not hold the admin token.", AdminTokenHeader);
            }
        }

        return next(http);
    }

    private static Task Refuse(HttpContext http, ErrorCode code, string message, string header) =>
        ProblemResponses.WriteAsync(http, new Problem(code, "auth", message, new Dictionary<string, object?> { ["header"] = header }));
}
