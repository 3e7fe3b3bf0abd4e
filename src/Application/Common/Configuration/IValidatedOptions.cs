namespace CadMl.Application.Common.Configuration;

/// <summary>
/// Options that check themselves at start-up. Each message names the environment variable to
/// fix, because that is what an operator reads when the process refuses to start.
/// </summary>
public interface IValidatedOptions
{
    IEnumerable<string> Validate();
}
