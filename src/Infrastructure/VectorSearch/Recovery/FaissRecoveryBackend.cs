using CadMl.Application.Faiss.Ports;

namespace CadMl.Infrastructure.VectorSearch.Recovery;

/// <summary>The recovery use cases' hands on the index: build FAISS and swap it in, or step back to exact. No decisions here.</summary>
internal sealed class FaissRecoveryBackend(SimilarityIndex index, FaissActivator activator) : IFaissBackend
{
    public Task<string?> ActivateAsync(CancellationToken cancellationToken) => activator.ActivateAsync(trySaved: false, cancellationToken);

    public void ServeExact() => index.Detach();
}
