namespace CadMl.Application.Common.Ports;

/// <summary>
/// What kind of deployment the process runs in, as far as a use case's rules care: Development
/// relaxes the model trust rule (an empty ALLOWED_MODEL_HASHES accepts any model only there).
/// A port, so the Application knows the rule and not the hosting framework that reports it.
/// </summary>
public interface IDeploymentEnvironment
{
    bool IsDevelopment { get; }
}
