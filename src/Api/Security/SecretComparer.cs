using System.Security.Cryptography;
using System.Text;

namespace CadMl.Api.Security;

/// <summary>
/// Compares presented secrets with the configured ones in time that depends on neither the
/// content nor the length of either: both sides are hashed to 32 bytes first, and every
/// configured key is compared even after a match.
/// </summary>
public sealed class SecretComparer
{
    private readonly byte[][] _apiKeyDigests;
    private readonly byte[]? _adminDigest;

    public SecretComparer(SecurityOptions options)
    {
        _apiKeyDigests = [.. options.Keys.Select(Digest)];
        var admin = options.AdminToken.Trim();
        _adminDigest = admin.Length == 0 ? null : Digest(admin);
    }

    public bool IsApiKey(string presented)
    {
        var digest = Digest(presented);
        var match = false;
        foreach (var key in _apiKeyDigests)
        {
            match |= CryptographicOperations.FixedTimeEquals(digest, key);
        }

        return match;
    }

    /// <summary>With no admin token configured nothing is an admin token: fail closed.</summary>
    public bool IsAdminToken(string presented) =>
        CryptographicOperations.FixedTimeEquals(Digest(presented), _adminDigest ?? new byte[32]) && _adminDigest is not null;

    private static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
