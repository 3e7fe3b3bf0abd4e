using CadMl.Application.Vectors.Ports;
using CadMl.Infrastructure.VectorSearch.Faiss;

namespace CadMl.Infrastructure.VectorSearch.Batching;

/// <summary>
/// The <see cref="IVectorIndex"/> the Application gets: the similarity index, with asynchronous
/// searches gathered into batches (<see cref="SearchBatcher"/>) while a flat FAISS index serves.
/// Everything else, including the synchronous <see cref="Search"/>, goes straight to the index:
/// HNSW and IVF have no batched search, and exact search (configured, or while FAISS is
/// degraded) gains nothing from one, so their searches keep running side by side on all cores.
/// </summary>
internal sealed class BatchingVectorIndex(SimilarityIndex index) : IVectorIndex
{
    private readonly SearchBatcher _batcher = new(index.SearchBatch);
    private readonly bool _flat = index.UsesFaiss && index.Spec.Kind == FaissKind.Flat;

    public void Apply(VectorWrite write) => index.Apply(write);

    public void Remove(VectorRemoval removal) => index.Remove(removal);

    public VectorSearchOutcome Search(VectorSearchRequest request) => index.Search(request);

    public ValueTask<VectorSearchOutcome> SearchAsync(VectorSearchRequest request, CancellationToken cancellationToken) =>
        _flat && index.FaissServing ? _batcher.SearchAsync(request, cancellationToken) : ValueTask.FromResult(index.Search(request));

    public VectorIndexFacts Facts() => index.Facts();

    public ValueTask<bool> WaitForGenerationAsync(long generation, TimeSpan bound, CancellationToken cancellationToken) =>
        index.WaitForGenerationAsync(generation, bound, cancellationToken);
}
