using CadMl.Application.Model.Ports;
using CadMl.Domain.Classification;

namespace CadMl.Application.Model.Serving;

/// <summary>Who a loaded model is: what every response and every health answer names, with the abstention thresholds it brought.</summary>
public sealed record ModelIdentity(
    string ModelVersion,
    string Sha256,
    string FeatureVersion,
    int InputDimension,
    IReadOnlyList<string> Classes,
    string Path,
    long SizeBytes,
    string ExecutionProvider,
    DateTimeOffset LoadedAt,
    AbstentionPolicy? Abstention = null);

/// <summary>
/// An immutable loaded model: identity, contract and runtime session. It counts its users so the
/// session is disposed only after the registry has let go of it and the last in-flight request
/// holding a <see cref="ModelLease"/> has finished.
/// </summary>
public sealed class ServingModel
{
    // Starts at 1: the registry's own reference, dropped when the model is replaced.
    private int _references = 1;

    public ServingModel(ModelIdentity identity, ClassifierContract contract, IClassifierSession session)
    {
        Identity = identity;
        Contract = contract;
        Session = session;
    }

    public ModelIdentity Identity { get; }

    public ClassifierContract Contract { get; }

    public IClassifierSession Session { get; }

    public bool IsDisposed => Volatile.Read(ref _references) == 0;

    internal bool TryAddReference()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Session.Dispose();
        }
    }
}

/// <summary>A request's hold on the model it started with; dispose it when the request is done with the model.</summary>
public sealed class ModelLease : IDisposable
{
    private ServingModel? _model;

    internal ModelLease(ServingModel model) => _model = model;

    public ServingModel Model => _model ?? throw new ObjectDisposedException(nameof(ModelLease));

    public void Dispose() => Interlocked.Exchange(ref _model, null)?.Release();
}
