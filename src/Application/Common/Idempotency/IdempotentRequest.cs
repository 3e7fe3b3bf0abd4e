using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CadMl.Application.Common.Idempotency;

/// <summary>
/// A write the caller marked with an <c>Idempotency-Key</c>. <paramref name="Scope"/> names the
/// endpoint (a key used on analyze and on vectors is two keys); <paramref name="RequestHash"/> is the
/// fingerprint of everything that decides the result, so a reuse with another body is recognised
/// without keeping the body.
/// </summary>
public sealed record IdempotentRequest(string Scope, string Key, string RequestHash);

/// <summary>
/// The key row a write inserts in its own transaction: the store refuses it (with
/// <see cref="IdempotencyKeyTakenException"/>) while an unexpired row holds the key, so two writers
/// with one key can never both commit, on one process or many.
/// </summary>
public sealed record IdempotencyClaim(string Scope, string Key, string RequestHash, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// What the store remembers of a key: whose it is (<see cref="RequestHash"/>), what it created
/// (<see cref="ResourceId"/>) and, once answered, the answer (<see cref="ResultStatus"/> and
/// <see cref="Response"/> JSON). The answer is null only between the write's commit and the
/// response's, or after a crash in between.
/// </summary>
public sealed record IdempotencyRecord(
    string Scope,
    string Key,
    string RequestHash,
    string ResourceId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string? ResultStatus,
    string? Response);

/// <summary>The key's row was taken by another writer between the lookup and this write's commit.</summary>
public sealed class IdempotencyKeyTakenException : Exception
{
    public IdempotencyKeyTakenException()
        : base("Another request holds this Idempotency-Key.")
    {
    }

    public IdempotencyKeyTakenException(string message)
        : base(message)
    {
    }

    public IdempotencyKeyTakenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    public const int MaxLength = 255;

    /// <summary>
    /// Printable ASCII without spaces: UUIDs, hex digests and <c>name:hash</c> keys all fit, and
    /// nothing that could smuggle a header, a log line or a path through the key.
    /// </summary>
    public static bool IsValid(string? key) =>
        key is null || (key.Length is > 0 and <= MaxLength && key.All(c => c is >= '!' and <= '~'));

    /// <summary>
    /// SHA-256 over the parts, each length-prefixed so no two different part lists share an
    /// encoding; null and "" differ. Numbers go in as round-trip text by the caller.
    /// </summary>
    public static string Fingerprint(IEnumerable<string?> parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            text.Append(part is null ? "-1" : part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part).Append('|');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "none";
}
