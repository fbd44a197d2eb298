using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stasis.Server.Hosting;

namespace Stasis.Server.Metrics;

/// <summary>
/// Runs the collector: a <see cref="MetricsCollector.Tick"/> every <see cref="MetricsCollector.SamplePeriod"/>, on
/// boundaries of that period so samples land evenly in the intervals; writes what closed to the store; deletes what
/// is older than the retention at start-up and every hour. Starts after the functions are loaded and stops before
/// their instances do, closing the open intervals at that moment.
/// </summary>
internal sealed class MetricsSampler(MetricsCollector collector, MetricsStore store, StasisServerOptions options, TimeProvider time, ILogger<MetricsSampler> logger) : IHostedService
{
    private static readonly TimeSpan PrunePeriod = TimeSpan.FromHours(1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private DateTimeOffset _lastPrune;
    private int _stopped;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Prune(time.GetUtcNow());
        _loop = RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        Write(collector.Flush());
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var period = collector.SamplePeriod;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                var next = IntervalClock.EndOf(now, period);
                // A millisecond past the boundary, so that the clock reads the new interval when the tick runs.
                await Task.Delay(next - now + TimeSpan.FromMilliseconds(1), time, cancellationToken).ConfigureAwait(false);
                Write(collector.Tick());
                if (time.GetUtcNow() - _lastPrune >= PrunePeriod)
                {
                    Prune(time.GetUtcNow());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Write(IReadOnlyList<ClosedInterval> closed)
    {
        try
        {
            store.Write(closed);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            logger.LogError(e, "metrics: could not store {Count} closed interval(s); they stay in memory as the latest points only", closed.Count);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        _lastPrune = now;
        try
        {
            var deleted = store.DeleteEndedBefore(now - options.EffectiveMetricsRetention);
            if (deleted > 0)
            {
                logger.LogInformation("metrics: deleted {Count} point(s) older than {Retention}", deleted, options.EffectiveMetricsRetention);
            }
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            logger.LogError(e, "metrics: could not delete points older than the retention; trying again in an hour");
        }
    }
}
