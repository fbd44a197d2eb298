namespace Stasis.Server.Runtime;

/// <summary>The runtime the server uses unless one is registered: local processes.</summary>
internal static class DefaultRuntime
{
    public static IInstanceRuntime Create(IServiceProvider services) =>
        throw new InvalidOperationException("the process runtime is not available in this build");
}
