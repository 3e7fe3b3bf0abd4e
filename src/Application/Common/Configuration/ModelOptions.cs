using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

public sealed class ModelOptions : IValidatedOptions
{
    /// <summary>The only folder reload may read models from.</summary>
    [ConfigurationKeyName("MODEL_DIR")]
    public string ModelDir { get; set; } = "models";

    [ConfigurationKeyName("MODEL_MAX_MB")]
    public int MaxMb { get; set; } = 64;

    /// <summary>Comma-separated full SHA-256 hex digests; empty accepts any model only in Development.</summary>
    [ConfigurationKeyName("ALLOWED_MODEL_HASHES")]
    public string AllowedHashes { get; set; } = "";

    /// <summary><c>audit</c>, <c>blocklist</c> (alias <c>blacklist</c>) or <c>allowlist</c> (alias <c>whitelist</c>).</summary>
    [ConfigurationKeyName("MODEL_OPCODE_MODE")]
    public string OpcodeMode { get; set; } = "allowlist";

    /// <summary>ONNX Runtime execution provider: <c>cpu</c>, or <c>cuda</c> on GPU nodes.</summary>
    [ConfigurationKeyName("MODEL_EXECUTION_PROVIDER")]
    public string ExecutionProvider { get; set; } = "cpu";

    public static readonly IReadOnlyList<string> OpcodeModes = ["audit", "blocklist", "blacklist", "allowlist", "whitelist"];

    public IEnumerable<string> Validate()
    {
        if (MaxMb is < 1 or > 2048)
        {
            yield return $"MODEL_MAX_MB must be between 1 and 2048 (was {MaxMb}).";
        }

        if (!OpcodeModes.Contains(OpcodeMode.Trim().ToLowerInvariant()))
        {
            yield return $"MODEL_OPCODE_MODE must be one of {string.Join(", ", OpcodeModes)} (was '{OpcodeMode}').";
        }

        if (ExecutionProvider.Trim().ToLowerInvariant() is not ("cpu" or "cuda"))
        {
            yield return $"MODEL_EXECUTION_PROVIDER must be 'cpu' or 'cuda' (was '{ExecutionProvider}').";
        }

        foreach (var hash in AllowedHashes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (hash.Length != 64 || !hash.All(Uri.IsHexDigit))
            {
                yield return "ALLOWED_MODEL_HASHES must list full 64-character SHA-256 hex digests separated by commas.";
                yield break;
            }
        }
    }
}
