namespace CadMl.Domain.Classification;

/// <summary>One node of the model, wherever it sits: main graph, a nested subgraph or a local function.</summary>
/// <param name="Location">Where it was found, for the operator (e.g. <c>graph/If:gate.then_branch/node 0</c>).</param>
public sealed record OperatorUse(OperatorId Operator, string Location);

/// <summary>A tensor whose bytes live outside the model file (<c>data_location = EXTERNAL</c> or <c>external_data</c> entries).</summary>
public sealed record ExternalDataUse(string Tensor, string Location, string? DeclaredPath);

/// <summary>A function defined inside the model; nodes with its domain and name call it.</summary>
public readonly record struct LocalFunctionId(string Domain, string Name)
{
    public static LocalFunctionId Of(string? domain, string name) => new(OperatorId.NormaliseDomain(domain), name);
}

/// <summary>
/// Everything in a parsed model that the security policy judges, collected by the adapter that reads
/// the protobuf: every node of every graph, subgraph and function, and every externally stored tensor.
/// </summary>
public sealed record ModelInventory(
    IReadOnlyList<OperatorUse> Operators,
    IReadOnlyList<ExternalDataUse> ExternalData,
    IReadOnlyList<LocalFunctionId> LocalFunctions);
