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

    /// <summary>Analyses admitted at once (reading, parsing, storing); 0 = 64 per core. Beyond it: 503 OVERLOADED.</summary>
    [ConfigurationKeyName("ANALYSIS_MAX_IN_FLIGHT")]
    public int MaxInFlight { get; set; }

    /// <summary>
    /// Upload bytes admitted at once, in MiB (what the request bodies announce, or the file limit
    /// when they do not); 0 = 1/32 of the memory available to the process, at least one largest
    /// file and at most three. Beyond it: 503 OVERLOADED, so parallel large uploads cannot run the
    /// process out of memory.
    /// </summary>
    [ConfigurationKeyName("ANALYSIS_UPLOAD_BUDGET_MB")]
    public int UploadBudgetMb { get; set; }

    /// <summary>The <c>Retry-After</c> an overloaded answer carries.</summary>
    [ConfigurationKeyName("ANALYSIS_RETRY_AFTER_SECONDS")]
    public int RetryAfterSeconds { get; set; } = 1;

    public long MaxFileBytes => MaxFileMb * 1024L * 1024L;

    public int EffectiveMaxInFlight => MaxInFlight > 0 ? MaxInFlight : 64 * Environment.ProcessorCount;

    public long UploadBudgetBytes => UploadBudgetMb > 0
        ? UploadBudgetMb * 1024L * 1024L
        : Math.Clamp(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 32, MaxFileBytes, 3 * MaxFileBytes);

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

        if (MaxInFlight is < 0 or > 100_000)
        {
            yield return $"ANALYSIS_MAX_IN_FLIGHT must be between 0 (automatic) and 100000 (was {MaxInFlight}).";
        }

        if (UploadBudgetMb != 0 && UploadBudgetMb < MaxFileMb)
        {
            yield return $"ANALYSIS_UPLOAD_BUDGET_MB must be 0 (automatic) or at least ANALYSIS_MAX_FILE_MB ({MaxFileMb}), or the largest file could never be admitted (was {UploadBudgetMb}).";
        }

        if (RetryAfterSeconds is < 1 or > 3600)
        {
            yield return $"ANALYSIS_RETRY_AFTER_SECONDS must be between 1 and 3600 (was {RetryAfterSeconds}).";
        }

        if (!Domain.Features.FeatureVersions.Names.Contains(FeatureVersion))
        {
            yield return $"FEATURE_VERSION must be one of {string.Join(", ", Domain.Features.FeatureVersions.Names)} (was '{FeatureVersion}').";
        }
    }
}
