using Microsoft.Extensions.Options;

namespace CadMl.Api.Security;

public sealed class SecurityOptions
{
    public const int MinimumSecretLength = 16;

    /// <summary>Accepted API keys, comma-separated; several at once allow rotation without downtime.</summary>
    [ConfigurationKeyName("API_KEYS")]
    public string ApiKeys { get; set; } = "";

    [ConfigurationKeyName("ADMIN_TOKEN")]
    public string AdminToken { get; set; } = "";

    public IReadOnlyList<string> Keys =>
        ApiKeys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Fail closed: outside Development the process refuses to start without strong secrets. In
/// Development missing secrets are allowed to start, but then no request can authenticate.
/// Messages name the variable and never the value.
/// </summary>
internal sealed class SecurityOptionsValidation(IHostEnvironment environment) : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        if (environment.IsDevelopment())
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (options.Keys.Count == 0)
        {
            failures.Add($"API_KEYS is required outside Development (comma-separated keys of at least {SecurityOptions.MinimumSecretLength} characters).");
        }
        else if (options.Keys.Any(k => k.Length < SecurityOptions.MinimumSecretLength))
        {
            failures.Add($"API_KEYS contains a key shorter than {SecurityOptions.MinimumSecretLength} characters.");
        }

        if (options.AdminToken.Trim().Length < SecurityOptions.MinimumSecretLength)
        {
            failures.Add($"ADMIN_TOKEN is required outside Development and must be at least {SecurityOptions.MinimumSecretLength} characters.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
