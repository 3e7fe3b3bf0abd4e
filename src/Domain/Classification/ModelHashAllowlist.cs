namespace CadMl.Domain.Classification;

public enum HashDecision
{
    Allowed,

    /// <summary>The list names other models only.</summary>
    NotListed,

    /// <summary>No list is configured and this is not a development instance: fail closed.</summary>
    NoListOutsideDevelopment,
}

/// <summary>
/// Full SHA-256 digests a model must match. Entries are trimmed and compared case-insensitively;
/// only the whole 64-digit digest counts (the reference's 64-bit prefix let a collision through).
/// An empty list accepts any model, and only on a development instance.
/// </summary>
public sealed class ModelHashAllowlist
{
    private readonly HashSet<string> _hashes;

    private ModelHashAllowlist(HashSet<string> hashes) => _hashes = hashes;

    public IReadOnlyCollection<string> Hashes => _hashes;

    public bool IsEmpty => _hashes.Count == 0;

    /// <summary>Parses a comma-separated list; entries that are not full hex digests are errors.</summary>
    public static bool TryParse(string? csv, out ModelHashAllowlist allowlist, out IReadOnlyList<string> invalid)
    {
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        var bad = new List<string>();
        foreach (var entry in (csv ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IsDigest(entry))
            {
                hashes.Add(entry.ToLowerInvariant());
            }
            else
            {
                bad.Add(entry);
            }
        }

        allowlist = new ModelHashAllowlist(hashes);
        invalid = bad;
        return bad.Count == 0;
    }

    public HashDecision Decide(string sha256, bool isDevelopment)
    {
        if (_hashes.Count == 0)
        {
            return isDevelopment ? HashDecision.Allowed : HashDecision.NoListOutsideDevelopment;
        }

        return IsDigest(sha256.Trim()) && _hashes.Contains(sha256.Trim().ToLowerInvariant()) ? HashDecision.Allowed : HashDecision.NotListed;
    }

    private static bool IsDigest(string text) => text.Length == 64 && text.All(char.IsAsciiHexDigit);
}
