using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

/// <summary>What an analysis answer carries about similar parts; how the index finds them is the adapter's options.</summary>
public sealed class SimilarPartsOptions : IValidatedOptions
{
    /// <summary>How many similar parts analyze returns.</summary>
    [ConfigurationKeyName("SIMILAR_TOP_K")]
    public int SimilarTopK { get; set; } = 5;

    public IEnumerable<string> Validate()
    {
        if (SimilarTopK is < 0 or > 100)
        {
            yield return $"SIMILAR_TOP_K must be between 0 and 100 (was {SimilarTopK}).";
        }
    }
}
