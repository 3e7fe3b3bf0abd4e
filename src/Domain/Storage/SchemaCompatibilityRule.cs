namespace CadMl.Domain.Storage;

/// <summary>What a build does with a shared store's schema when it starts.</summary>
public enum SchemaAction
{
    /// <summary>The store is at this build's schema, or at a newer one this build can still serve: open it as it is.</summary>
    Open,

    /// <summary>The store is behind this build: apply the missing steps (once, under the store's lock), then open.</summary>
    Upgrade,

    /// <summary>A newer release contracted the schema past what this build can read or write: stay unready.</summary>
    Refuse,
}

/// <summary>The decision and, for a refusal, its code and the facts an operator needs.</summary>
public sealed record SchemaVerdict(SchemaAction Action, string? Code, string Reason);

/// <summary>
/// Expand-then-contract on a store several releases share. Every schema step declares the oldest
/// build schema that can still work against the store once the step is applied: an expand step
/// (a new table, a nullable column) keeps it, a contract step (a dropped or renamed column) raises
/// it to the first build that no longer uses what was removed. The store keeps the highest such
/// value (<c>min_compatible</c>), so during a rollout the previous release stays ready against the
/// schema the canary moved to, and a build older than a contraction is refused instead of failing
/// on its first query.
/// </summary>
public static class SchemaCompatibilityRule
{
    public const string IncompatibleCode = "STORE_SCHEMA_INCOMPATIBLE";

    /// <param name="storeVersion">The schema version the store is at (0 for an empty store).</param>
    /// <param name="storeMinCompatible">The oldest build schema the store still serves.</param>
    /// <param name="buildVersion">The schema version this build knows (the number of its steps).</param>
    public static SchemaVerdict Decide(int storeVersion, int storeMinCompatible, int buildVersion)
    {
        if (storeVersion < buildVersion)
        {
            return new SchemaVerdict(SchemaAction.Upgrade, null, $"the store is at schema {storeVersion}, this build at {buildVersion}");
        }

        if (buildVersion >= storeMinCompatible)
        {
            return new SchemaVerdict(SchemaAction.Open, null, storeVersion == buildVersion
                ? $"the store is at this build's schema {buildVersion}"
                : $"the store is at schema {storeVersion}, newer than this build's {buildVersion}, and still serves builds from schema {storeMinCompatible}");
        }

        return new SchemaVerdict(SchemaAction.Refuse, IncompatibleCode,
            $"the store is at schema {storeVersion} and serves builds from schema {storeMinCompatible} on; this build knows schema {buildVersion}");
    }
}
