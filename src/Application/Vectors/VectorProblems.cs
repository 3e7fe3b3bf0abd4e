using CadMl.Application.Common.Problems;

namespace CadMl.Application.Vectors;

internal static class VectorProblems
{
    public static Problem NotFound(string id) =>
        Problem.NotFound("VECTOR_NOT_FOUND", "lookup", "No vector has this id.", new Dictionary<string, object?> { ["id"] = id });
}
