using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stasis.Server.Hosting;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime;

/// <summary>The runtime the server uses unless one is registered: local processes.</summary>
internal static class DefaultRuntime
{
    // The scope comes from the data directory: a restarted server finds what its killed predecessor
    // left, and servers with different data directories on one host never touch each other's instances.
    public static IInstanceRuntime Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<StasisServerOptions>();
        return new ProcessRuntime(
            services.GetRequiredService<ILogger<ProcessRuntime>>(),
            services.GetRequiredService<TimeProvider>(),
            ProcessRuntimeOptions.ForDataDirectory(options.DataDirectory) with
            {
                Sandbox = !options.UnsafeNoSandbox,
                PidsLimit = options.InstancePidsLimit,
            });
    }
}
