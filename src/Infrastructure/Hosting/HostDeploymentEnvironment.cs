using CadMl.Application.Common.Ports;
using Microsoft.Extensions.Hosting;

namespace CadMl.Infrastructure.Hosting;

/// <summary>The deployment kind as the host reports it (<c>ASPNETCORE_ENVIRONMENT</c> / <c>DOTNET_ENVIRONMENT</c>).</summary>
internal sealed class HostDeploymentEnvironment(IHostEnvironment host) : IDeploymentEnvironment
{
    public bool IsDevelopment => host.IsDevelopment();
}
