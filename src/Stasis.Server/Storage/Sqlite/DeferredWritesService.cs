using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Stasis.Server.Storage;

/// <summary>
/// Retries the <see cref="DeferredWrites"/> every second. Registered before the dispatchers' lifecycle, so
/// it stops after them and its last drain writes the records of the instances that stopped at shutdown.
/// </summary>
internal sealed class DeferredWritesService(DeferredWrites writes, TimeProvider time, ILogger<DeferredWritesService> logger) : IHostedService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        writes.Drain();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    writes.Drain();
                }
                catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
                {
                    logger.LogError(e, "store: could not write the deferred records; retrying in a second");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
