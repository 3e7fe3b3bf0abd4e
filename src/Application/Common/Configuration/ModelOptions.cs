using CadMl.Domain.Classification;
using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

public sealed class ModelOptions : IValidatedOptions
{
    /// <summary>The only folder reload may read models from.</summary>
    [ConfigurationKeyName("MODEL_DIR")]
    public string ModelDir { get; set; } = "models";

    /// <summary>The model loaded at start-up, relative to <see cref="ModelDir"/>; empty starts without one.</summary>
    [ConfigurationKeyName("MODEL_FILE")]
    public string ModelFile { get; set; } = "cadml-part-classifier.onnx";

    [ConfigurationKeyName("MODEL_MAX_MB")]
    public int MaxMb { get; set; } = 64;

    /// <summary>Comma-separated full SHA-256 hex digests; empty accepts any model only in Development.</summary>
    [ConfigurationKeyName("ALLOWED_MODEL_HASHES")]
    public string AllowedHashes { get; set; } = "";

    /// <summary><c>audit</c>, <c>blocklist</c> (alias <c>blacklist</c>) or <c>allowlist</c> (alias <c>whitelist</c>).</summary>
    [ConfigurationKeyName("MODEL_OPCODE_MODE")]
    public string OpcodeMode { get; set; } = "allowlist";

    public long MaxBytes => MaxMb * 1024L * 1024L;

    public string FullModelDir => Path.GetFullPath(ModelDir);

    /// <summary>The parsed mode; valid once the options passed validation.</summary>
    public Domain.Classification.OpcodeMode Mode => Domain.Classification.OpcodeModes.TryParse(OpcodeMode, out var mode) ? mode : Domain.Classification.OpcodeMode.Allowlist;

    /// <summary>The parsed allowlist; valid once the options passed validation (invalid entries stop the start).</summary>
    public ModelHashAllowlist HashAllowlist =>
        ModelHashAllowlist.TryParse(AllowedHashes, out var allowlist, out _) ? allowlist : throw new InvalidOperationException("ALLOWED_MODEL_HASHES was not validated.");

    public IEnumerable<string> Validate()
    {
        if (MaxMb is < 1 or > 2048)
        {
            yield return $"MODEL_MAX_MB must be between 1 and 2048 (was {MaxMb}).";
        }

        if (string.IsNullOrWhiteSpace(ModelDir))
        {
            yield return "MODEL_DIR must name a folder.";
        }

        if (!string.IsNullOrWhiteSpace(ModelFile) && ModelPathRules.Check(ModelFile, out _) is { } violation)
        {
            yield return $"MODEL_FILE must name an .onnx file inside MODEL_DIR: {violation.Describe()}";
        }

        if (!Domain.Classification.OpcodeModes.TryParse(OpcodeMode, out _))
        {
            yield return $"MODEL_OPCODE_MODE must be one of {string.Join(", ", Domain.Classification.OpcodeModes.Names)} (was '{OpcodeMode}').";
        }

        if (!ModelHashAllowlist.TryParse(AllowedHashes, out _, out var invalid))
        {
            yield return $"ALLOWED_MODEL_HASHES must list full 64-character SHA-256 hex digests separated by commas ({invalid.Count} entries are not).";
        }
    }
}
