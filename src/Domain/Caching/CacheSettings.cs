namespace CadMl.Domain.Caching;

/// <summary>Feature cache settings: capacity 1..<see cref="MaxCapacity"/> entries, TTL ≥ 0 seconds (0 = entries never expire).</summary>
public readonly record struct CacheSettings(int Capacity, int TtlSeconds)
{
    /// <summary>
    /// The largest cache the settings may ask for. An entry is a document summary plus a vector
    /// (a few KB, docs/RUNBOOK_CACHE.md), so the maximum is about 1 GB: a typo of a few extra
    /// zeros is refused instead of growing the process until the kernel kills it.
    /// </summary>
    public const int MaxCapacity = 250_000;

    public TimeSpan Ttl => TimeSpan.FromSeconds(TtlSeconds);

    /// <summary>What is wrong with a proposed change, field by field; empty when it is valid.</summary>
    public static IReadOnlyList<(string Field, string Message)> Problems(int? capacity, int? ttlSeconds)
    {
        var problems = new List<(string, string)>();
        if (capacity is null && ttlSeconds is null)
        {
            problems.Add(("capacity", "Give capacity, ttl_seconds or both."));
        }

        if (capacity is < 1)
        {
            problems.Add(("capacity", "capacity must be at least 1."));
        }

        if (capacity > MaxCapacity)
        {
            problems.Add(("capacity", $"capacity must be at most {MaxCapacity}."));
        }

        if (ttlSeconds is < 0)
        {
            problems.Add(("ttl_seconds", "ttl_seconds must be 0 (no expiry) or more."));
        }

        return problems;
    }

    /// <summary>These settings with the given fields replaced.</summary>
    public CacheSettings With(int? capacity, int? ttlSeconds) => new(capacity ?? Capacity, ttlSeconds ?? TtlSeconds);
}
