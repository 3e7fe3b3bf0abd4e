namespace CadMl.Application.Common.Ports;

/// <summary>Counts background tasks that ended in a fault, by task name.</summary>
public interface IBackgroundTaskMetrics
{
    void Faulted(string task);
}
