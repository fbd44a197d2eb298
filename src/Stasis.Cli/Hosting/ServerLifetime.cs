namespace Stasis.Cli.Hosting;

internal static class ServerLifetime
{
    /// <summary>
    /// Waits for Ctrl-C/SIGTERM, which the server's host handles itself: it stops taking requests, drains in-flight
    /// ones and stops the instances before this returns.
    /// </summary>
    public static async Task WaitAsync(CommandContext ctx, IRunningServer server, CancellationToken cancellationToken)
    {
        using var notice = server.Stopping.Register(() => ctx.Messages.Note("stopping: draining in-flight requests, then stopping instances…"));
        await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }
}
