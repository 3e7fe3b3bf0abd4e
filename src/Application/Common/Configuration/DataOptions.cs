using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

/// <summary>Where the service keeps everything it must not lose.</summary>
public sealed class DataOptions : IValidatedOptions
{
    /// <summary>Folder for the durable store, index snapshots and state files; relative to the working directory.</summary>
    [ConfigurationKeyName("DATA_DIR")]
    public string DataDir { get; set; } = "data";

    public string FullDataDir => Path.GetFullPath(DataDir);

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDir))
        {
            yield return "DATA_DIR must name a folder.";
        }
    }
}
