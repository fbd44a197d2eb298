using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stasis.Server.Hosting;
using Stasis.Server.Storage;

namespace Stasis.Server.Metering;

/// <summary>
/// Starts before the dispatchers and stops after them: at start-up it closes the intervals a killed
/// server left open (at its last heartbeat, so a <c>kill -9</c> loses at most one beat), then every
/// <see cref="StasisServerOptions.MeterHeartbeat"/> it persists the ledger; at shutdown, once every
/// instance has ended, it writes the last beat. A beat the store cannot take (locked, disk full) is kept
/// in memory and written by a later one; <see cref="StoreHealth"/> reports it once, not every second.
/// </summary>
internal sealed class MeterHeartbeat(MeterJournal journal, StoreHealth health, StasisServerOptions options, TimeProvider time, ILogger<MeterHeartbeat> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var recovered = journal.Recover();
            if (recovered.Count > 0)
            {
                logger.LogWarning(
                    "meter: closed {Count} interval(s) the previous server left open, at its last heartbeat ({Seconds:0.###} s billed)",
                    recovered.Count, recovered.Sum(i => i.Duration.TotalSeconds));
            }
        }
        catch (Exception e) when (StoreFaults.Classify(e) is { } fault)
        {
            // The first beat that can write recovers first (MeterJournal.Flush does), so nothing is lost.
            health.Failed(fault, "the previous server's open meter intervals", e);
        }

        _loop = BeatAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        Beat();
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.MeterHeartbeat, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Beat();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Beat()
    {
        try
        {
            if (!journal.Flush().IsEmpty)
            {
                health.Succeeded(); // something was written: the store takes writes
            }
        }
        catch (Exception e) when (StoreFaults.Classify(e) is { } fault)
        {
            // The batch went back to the meter; the next beat tries again with it.
            health.Failed(fault, "meter intervals", e);
        }
        catch (Exception e) when (Storage.StoreFaults.IsStoreError(e))
        {
            logger.LogError(e, "meter: could not persist the heartbeat; retrying at the next one");
        }
    }
}
