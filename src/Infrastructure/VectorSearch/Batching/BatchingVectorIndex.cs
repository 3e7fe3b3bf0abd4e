using CadMl.Application.Vectors.Ports;

namespace CadMl.Infrastructure.VectorSearch.Batching;

/// <summary>
/// The <see cref="IVectorIndex"/> the Application gets: the similarity index, with asynchronous
/// searches gathered into batches (<see cref="SearchBatcher"/>). Everything else, including the
/// synchronous <see cref="Search"/>, goes straight to the index.
/// </summary>
internal sealed class BatchingVectorIndex(SimilarityIndex index) : IVectorIndex
{
    private readonly SearchBatcher _batcher = new(index.SearchBatch);

    public void Apply(VectorWrite write) => index.Apply(write);

    public void Remove(VectorRemoval removal) => index.Remove(removal);

    public VectorSearchOutcome Search(VectorSearchRequest request) => index.Search(request);

    public ValueTask<VectorSearchOutcome> SearchAsync(VectorSearchRequest request, CancellationToken cancellationToken) =>
        _batcher.SearchAsync(request, cancellationToken);

    public VectorIndexFacts Facts() => index.Facts();
}
