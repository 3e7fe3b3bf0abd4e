using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Ports;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Storage;

/// <summary>The data folder must exist and take writes, or nothing the service promises is durable.</summary>
internal sealed class DataFolderProbe(IOptions<DataOptions> options) : IHealthProbe
{
    public string Name => "data_folder";

    public bool GatesReadiness => true;

    public ProbeReport Probe()
    {
        var folder = options.Value.FullDataDir;
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, ".write-probe");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return ProbeReport.Ok();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The folder path is the operator's own configuration, but it stays out of the body.
            return ProbeReport.Failing($"data folder is not writable ({exception.GetType().Name})");
        }
    }
}
