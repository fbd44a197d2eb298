using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stasis.Server.Hosting;
using Stasis.Server.Storage;

namespace Stasis.Server.Metrics;

/// <summary>
/// Runs the collector: a <see cref="MetricsCollector.Tick"/> every <see cref="MetricsCollector.SamplePeriod"/>, on
/// boundaries of that period so samples land evenly in the intervals; writes what closed to the store; deletes what
/// is older than the retention at start-up and every hour. Starts after the functions are loaded and stops before
/// their instances do, closing the open intervals at that moment. Points the store cannot take (locked,
/// disk full) are kept, up to <see cref="MaxUnwritten"/>, and written with the next tick's.
/// </summary>
internal sealed class MetricsSampler(MetricsCollector collector, IMetricsArchive store, StoreHealth health, StasisServerOptions options, TimeProvider time, ILogger<MetricsSampler> logger) : IHostedService
{
    /// <summary>Closed intervals kept while the store cannot take them; beyond this the oldest are dropped.</summary>
    public const int MaxUnwritten = 10_000;

    private static readonly TimeSpan PrunePeriod = TimeSpan.FromHours(1);
    private readonly List<ClosedInterval> _unwritten = [];
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

    private int _unwrittenCount;

    /// <summary>Closed intervals that wait for the store (those of a write under way included). Never blocks.</summary>
    public int Unwritten => Volatile.Read(ref _unwrittenCount);

    private void Write(IReadOnlyList<ClosedInterval> closed)
    {
        lock (_unwritten)
        {
            _unwritten.AddRange(closed);
            if (_unwritten.Count == 0)
            {
                return;
            }

            Volatile.Write(ref _unwrittenCount, _unwritten.Count);

            try
            {
                store.Write(_unwritten);
                _unwritten.Clear();
                health.Succeeded();
            }
            catch (Exception e) when (StoreFaults.Classify(e) is { } fault)
            {
                health.Failed(fault, "metric points", e);
                if (_unwritten.Count > MaxUnwritten)
                {
                    logger.LogWarning("metrics: dropping the {Count} oldest unwritten point(s); the store has not taken writes for a long time", _unwritten.Count - MaxUnwritten);
                    _unwritten.RemoveRange(0, _unwritten.Count - MaxUnwritten);
                }
            }
            catch (Exception e) when (Storage.StoreFaults.IsStoreError(e))
            {
                logger.LogError(e, "metrics: could not store {Count} closed interval(s); they stay in memory as the latest points only", _unwritten.Count);
                _unwritten.Clear();
            }

            Volatile.Write(ref _unwrittenCount, _unwritten.Count);
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
        catch (Exception e) when (Storage.StoreFaults.IsStoreError(e))
        {
            logger.LogError(e, "metrics: could not delete points older than the retention; trying again in an hour");
        }
    }
}
