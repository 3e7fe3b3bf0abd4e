namespace CadMl.Application.Common.Ports;

/// <summary>Records how long each use case took and how it ended (Prometheus lives behind this port).</summary>
public interface IUseCaseMetrics
{
    void Record(string useCase, string outcome, TimeSpan elapsed);
}
