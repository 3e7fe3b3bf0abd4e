using CadMl.Application.Common.Configuration;
using Microsoft.Extensions.Configuration;

namespace CadMl.Infrastructure.Models;

/// <summary>
/// How the ONNX Runtime adapter runs a model. The use cases never see it: which hardware runs a
/// model is the adapter's business, what a model must pass to be served is the Application's.
/// </summary>
public sealed class OnnxRuntimeOptions : IValidatedOptions
{
    /// <summary>ONNX Runtime execution provider: <c>cpu</c>, or <c>cuda</c> on GPU nodes.</summary>
    [ConfigurationKeyName("MODEL_EXECUTION_PROVIDER")]
    public string ExecutionProvider { get; set; } = "cpu";

    public IEnumerable<string> Validate()
    {
        if (ExecutionProvider.Trim().ToLowerInvariant() is not ("cpu" or "cuda"))
        {
            yield return $"MODEL_EXECUTION_PROVIDER must be 'cpu' or 'cuda' (was '{ExecutionProvider}').";
        }
    }
}
