using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;

namespace CadMl.Application.Migration.Ports;

/// <summary>
/// The similarity index's side of a migration: migrated vectors are staged out of sight of
/// searches and switched in all at once, so no query ever sees a half-migrated index.
/// </summary>
public interface IMigrationIndex
{
    /// <summary>Opens the one staging area of the process (migrations run one at a time).</summary>
    IIndexMigration Begin(FeatureVersion target);
}

public interface IIndexMigration
{
    /// <summary>
    /// Holds the durable writes of one batch (each replaces an older vector) until the switch.
    /// Called with vector writes held back (<see cref="Vectors.VectorRegistry"/>), like any index write.
    /// </summary>
    void Stage(IReadOnlyList<VectorWrite> writes);

    /// <summary>
    /// Builds the new indexes of every version the staged writes touch, then swaps them in at
    /// once; searches keep being served from the old ones meanwhile. Must be called once, also
    /// after a failed or cancelled run: the staged writes are durable and the index must follow.
    /// </summary>
    Task SwitchAsync();
}
