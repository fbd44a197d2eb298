using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime;

/// <summary>The runtime the server uses unless one is registered: local processes.</summary>
internal static class DefaultRuntime
{
    public static IInstanceRuntime Create(IServiceProvider services) => new ProcessRuntime(
        services.GetRequiredService<ILogger<ProcessRuntime>>(),
        services.GetRequiredService<TimeProvider>());
}
