using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

/// <summary>Where the service keeps everything it must not lose.</summary>
public sealed class DataOptions : IValidatedOptions
{
    /// <summary>Folder for the durable store, index snapshots and state files; relative to the working directory.</summary>
    [ConfigurationKeyName("DATA_DIR")]
    public string DataDir { get; set; } = "data";

    public string FullDataDir => Path.GetFullPath(DataDir);

    /// <summary>
    /// The operator's explicit acceptance that a store is lost: the id that /health names in
    /// <c>accept_with</c>. Only that exact id opens a folder refused at start-up, so a value left
    /// behind in the environment cannot accept a later, different loss.
    /// </summary>
    [ConfigurationKeyName("STORE_ACCEPT_LOSS_OF")]
    public string? AcceptLossOf { get; set; }

    /// <summary>Upper bound on the start-up quick_check; past it the store opens unverified and says so.</summary>
    [ConfigurationKeyName("STORE_QUICK_CHECK_SECONDS")]
    public int QuickCheckSeconds { get; set; } = 30;

    /// <summary>
    /// How often the background checkpointer copies the WAL into the database file. Writes only
    /// in the WAL are lost with it, so a short interval keeps that window small; the checkpoint
    /// never runs on the request path.
    /// </summary>
    [ConfigurationKeyName("STORE_CHECKPOINT_SECONDS")]
    public int CheckpointSeconds { get; set; } = 1;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDir))
        {
            yield return "DATA_DIR must name a folder.";
        }

        if (QuickCheckSeconds < 1)
        {
            yield return $"STORE_QUICK_CHECK_SECONDS must be at least 1 (was {QuickCheckSeconds}).";
        }

        if (CheckpointSeconds is < 1 or > 3600)
        {
            yield return $"STORE_CHECKPOINT_SECONDS must be between 1 and 3600 (was {CheckpointSeconds}).";
        }
    }
}
