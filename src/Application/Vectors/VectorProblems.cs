using CadMl.Application.Common.Problems;

namespace CadMl.Application.Vectors;

internal static class VectorProblems
{
    public static Problem NotFound(string id) =>
        new Problem(ErrorCodes.VectorNotFound, "lookup", "No vector has this id.", new Dictionary<string, object?> { ["id"] = id });
}
