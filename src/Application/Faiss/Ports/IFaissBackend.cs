namespace CadMl.Application.Faiss.Ports;

/// <summary>
/// What the adapter does for recovery, without deciding anything: bring FAISS into service or
/// step back to exact search. Whether and when to call these is the use cases' decision.
/// </summary>
public interface IFaissBackend
{
    /// <summary>
    /// Probes the native library and builds FAISS from the durable store off the request path, then
    /// swaps it in. Null when FAISS serves; otherwise why it does not (it never throws for FAISS trouble).
    /// </summary>
    Task<string?> ActivateAsync(CancellationToken cancellationToken);

    /// <summary>Degraded mode: FAISS is dropped and searches are answered by the exact index.</summary>
    void ServeExact();
}
