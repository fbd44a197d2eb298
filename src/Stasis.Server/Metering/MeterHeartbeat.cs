using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stasis.Server.Hosting;

namespace Stasis.Server.Metering;

/// <summary>
/// Starts before the dispatchers and stops after them: at start-up it closes the intervals a killed
/// server left open (at its last heartbeat, so a <c>kill -9</c> loses at most one beat), then every
/// <see cref="StasisServerOptions.MeterHeartbeat"/> it persists the ledger; at shutdown, once every
/// instance has ended, it writes the last beat.
/// </summary>
internal sealed class MeterHeartbeat(MeterJournal journal, StasisServerOptions options, TimeProvider time, ILogger<MeterHeartbeat> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var recovered = journal.Recover();
        if (recovered.Count > 0)
        {
            logger.LogWarning(
                "meter: closed {Count} interval(s) the previous server left open, at its last heartbeat ({Seconds:0.###} s billed)",
                recovered.Count, recovered.Sum(i => i.Duration.TotalSeconds));
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
            journal.Flush();
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            // The batch went back to the meter; the next beat tries again with it.
            logger.LogError(e, "meter: could not persist the heartbeat; retrying at the next one");
        }
    }
}
