using CadMl.Application.Common.Configuration;
using Microsoft.Extensions.Configuration;

namespace CadMl.Infrastructure.VectorSearch.Recovery;

/// <summary>Where the degradation state survives a restart: a file (default) or Redis.</summary>
public sealed class RecoveryStateOptions : IValidatedOptions
{
    /// <summary>State file; empty means <c>faiss_recovery_state.json</c> in the data folder.</summary>
    [ConfigurationKeyName("FAISS_RECOVERY_STATE_PATH")]
    public string StatePath { get; set; } = "";

    /// <summary><c>file</c> (default) or <c>redis</c>.</summary>
    [ConfigurationKeyName("FAISS_RECOVERY_STATE_BACKEND")]
    public string StateBackend { get; set; } = "file";

    [ConfigurationKeyName("REDIS_URL")]
    public string RedisUrl { get; set; } = "";

    public IEnumerable<string> Validate()
    {
        if (StateBackend is not ("file" or "redis"))
        {
            yield return $"FAISS_RECOVERY_STATE_BACKEND must be 'file' or 'redis' (was '{StateBackend}').";
        }
        else if (StateBackend == "redis" && string.IsNullOrWhiteSpace(RedisUrl))
        {
            yield return "REDIS_URL is required when FAISS_RECOVERY_STATE_BACKEND=redis.";
        }
    }
}
