using CadMl.Domain.Classification;

namespace CadMl.Application.Model.Ports;

/// <summary>
/// The inference engine behind the classifier. Which execution provider it uses (CPU here, CUDA on
/// a GPU node) is configuration of the adapter; no use case knows or cares.
/// </summary>
public interface IModelRuntime
{
    /// <summary>The configured execution provider, e.g. <c>cpu</c>.</summary>
    string ExecutionProvider { get; }

    /// <summary>Builds a session from bytes that passed every check up to the smoke stage.</summary>
    RuntimeLoad Load(byte[] model, ClassifierContract contract);
}

public sealed record RuntimeLoad(IClassifierSession? Session, string? Failure);

/// <summary>
/// A loaded model, safe for concurrent <see cref="Run"/> calls. Immutable: a new model is a new
/// session, never a change to this one.
/// </summary>
public interface IClassifierSession : IDisposable
{
    string ExecutionProvider { get; }

    /// <summary>Classifies <paramref name="rows"/> feature rows of the contract's width, laid out row after row.</summary>
    ClassifierRun Run(float[] features, int rows, TimeSpan budget);
}

/// <summary>
/// Labels per row, probabilities row after row (rows × classes) and one out-of-distribution
/// distance per row, or why the run failed.
/// </summary>
public sealed record ClassifierRun(IReadOnlyList<string> Labels, float[] Probabilities, float[] Distances, string? Failure = null)
{
    public static ClassifierRun Failed(string failure) => new([], [], [], failure);
}
