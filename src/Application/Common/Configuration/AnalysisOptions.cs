using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

public sealed class AnalysisOptions : IValidatedOptions
{
    /// <summary>Largest upload accepted, in MiB; limits are by bytes, never by entity count.</summary>
    [ConfigurationKeyName("ANALYSIS_MAX_FILE_MB")]
    public int MaxFileMb { get; set; } = 50;

    /// <summary>Wall-clock budget for parsing one file; past it the request ends with 504.</summary>
    [ConfigurationKeyName("PARSE_TIMEOUT_SECONDS")]
    public double ParseTimeoutSeconds { get; set; } = 10;

    /// <summary>Feature version used when a request does not ask for one.</summary>
    [ConfigurationKeyName("FEATURE_VERSION")]
    public string FeatureVersion { get; set; } = "v5";

    public long MaxFileBytes => MaxFileMb * 1024L * 1024L;

    public IEnumerable<string> Validate()
    {
        if (MaxFileMb is < 1 or > 4096)
        {
            yield return $"ANALYSIS_MAX_FILE_MB must be between 1 and 4096 (was {MaxFileMb}).";
        }

        if (ParseTimeoutSeconds is <= 0 or > 600 || double.IsNaN(ParseTimeoutSeconds))
        {
            yield return $"PARSE_TIMEOUT_SECONDS must be greater than 0 and at most 600 (was {ParseTimeoutSeconds}).";
        }

        if (!Domain.Features.FeatureVersions.Names.Contains(FeatureVersion))
        {
            yield return $"FEATURE_VERSION must be one of {string.Join(", ", Domain.Features.FeatureVersions.Names)} (was '{FeatureVersion}').";
        }
    }
}
