using CadMl.Application.Common.Problems;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Application.Vectors.Ports;

/// <summary>
/// A stored vector (or an analysis's copy of one) in a layout an earlier release wrote
/// (<see cref="EarlierLayouts"/>) that this release cannot serve as it is. Thrown by the store's
/// row readers, which hand out only vectors that fit their version; index builds leave such rows
/// out and count them, and a request that reads one gets <see cref="ToProblem"/> (409), never a 500
/// and never a padded guess. It is rare by construction: only a store written before an upgrade holds one.
/// </summary>
public sealed class EarlierLayoutException(string id, FeatureVersion version, int values, CadFormat? format)
    : Exception($"Stored vector {id} has the earlier {values}-slot {version.Name()} layout; {version.Name()} now has {version.Dimension()}.")
{
    public string Id { get; } = id;

    public FeatureVersion Version { get; } = version;

    public int Values { get; } = values;

    public CadFormat? Format { get; } = format;

    /// <summary>What the operator does about it: migrate when padding is exact, otherwise analyse the file again.</summary>
    public string Action => EarlierLayouts.PadsExactly(Format)
        ? $"POST /api/v1/vectors/migrate with to_version {Version.Name()} moves it to today's layout exactly"
        : "analyze its file again (a drawing's stroke slots need the file), or delete the vector";

    public Problem ToProblem() => new(
        ErrorCodes.VectorEarlierLayout,
        ErrorCodes.VectorEarlierLayout.Stage,
        $"{Message} It is left out of similarity search; {Action}.",
        new Dictionary<string, object?>
        {
            ["id"] = Id,
            ["feature_version"] = Version.Name(),
            ["values"] = Values,
            ["expected"] = Version.Dimension(),
            ["format"] = Format?.Name(),
            ["action"] = Action,
        });
}
