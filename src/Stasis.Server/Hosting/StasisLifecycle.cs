using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stasis.Server.Functions;
using Stasis.Server.Logs;

namespace Stasis.Server.Hosting;

/// <summary>
/// Loads the functions at start-up, runs the idle reaper, and at shutdown drains in-flight
/// requests and stops every instance this server started.
/// </summary>
internal sealed class StasisLifecycle(FunctionRegistry registry, Runtime.IInstanceRuntime runtime, FunctionLogBook logs, StasisServerOptions options, TimeProvider time, ILogger<StasisLifecycle> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _reaper = Task.CompletedTask;
    private Task _reconciler = Task.CompletedTask;
    private int _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A previous server killed with -9 may have left instances running: stop them before anything starts.
        var orphans = await runtime.StopOrphansAsync(cancellationToken).ConfigureAwait(false);
        if (orphans.Count > 0)
        {
            logger.LogWarning("stopped {Count} instances a previous server left running: {Ids}", orphans.Count, string.Join(", ", orphans));
        }

        registry.Load();
        _reaper = ReapAsync(_stopping.Token);
        _reconciler = ReconcileAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return; // the host may be stopped by a signal and again by disposal
        }

        logger.LogInformation("stopping: draining in-flight requests (up to {Drain}) and stopping instances", options.DrainTimeout);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _reaper.ConfigureAwait(false);
        await _reconciler.ConfigureAwait(false);
        await registry.CloseAllAsync(options.DrainTimeout).ConfigureAwait(false);
        await logs.DisposeAsync().ConfigureAwait(false);
        logger.LogInformation("stopped");
    }

    private async Task ReapAsync(CancellationToken cancellationToken)
    {
        // Check often enough that an instance outlives its idle timeout by at most a few percent.
        var period = TimeSpan.FromMilliseconds(Math.Clamp(options.InstanceIdleTimeout.TotalMilliseconds / 20, 100, 1000));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                registry.Tick();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The store is the desired state: every <see cref="StasisServerOptions.CatalogPollInterval"/> the registry applies
    /// what changed in the function catalog, whoever changed it.
    /// </summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.CatalogPollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await registry.ReconcileAsync(options.DrainTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (Storage.StoreFaults.IsStoreError(e))
                {
                    logger.LogWarning("the function catalog could not be read ({Message}); trying again", e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
