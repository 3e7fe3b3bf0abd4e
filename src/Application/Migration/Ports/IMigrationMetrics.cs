using CadMl.Domain.Features;
using CadMl.Domain.Migration;

namespace CadMl.Application.Migration.Ports;

public interface IMigrationMetrics
{
    /// <summary><c>vector_migrate_total{status}</c> by item outcome.</summary>
    void Counted(MigrationOutcome outcome, int count);

    /// <summary><c>vector_migrate_dimension_delta</c>: one observation per vector actually moved.</summary>
    void Moved(int dimensionDelta);

    /// <summary><c>vector_migrate_duration_seconds</c>: one observation per run.</summary>
    void RunFinished(TimeSpan duration);

    /// <summary><c>vector_store_earlier_layout{version}</c>: stored vectors of an earlier layout of <paramref name="version"/>, left out of search.</summary>
    void EarlierLayout(FeatureVersion version, long count);
}
