using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Stasis.Server.Hosting;

/// <summary>
/// Every <see cref="StasisServerOptions.MemoryCompactInterval"/>, runs one full, compacting garbage collection unless
/// the runtime ran a full collection of its own since the last one. The server's live heap is small (a few MB) and most
/// of its garbage is short-lived, but what survives a few young collections waits in generation 2 until the runtime's
/// budget for it runs out, and the heap grows new regions meanwhile: under a steady load, resident memory climbs in
/// 4 MB steps for tens of minutes before it levels. A compaction at a fixed pace keeps generation 2 at its live size,
/// so the heap's committed memory stays where the young generations' budget puts it. It is not an aggressive
/// (decommitting) collection: that would give the young generations' regions back only for the next minute's
/// allocations to commit them again. Off when the interval is zero. What it did is in <c>GET /api/v1/status</c> under
/// <c>memory</c>.
/// </summary>
internal sealed class ManagedHeapCompactor(StasisServerOptions options, TimeProvider time, ILogger<ManagedHeapCompactor> logger) : BackgroundService
{
    private long _compactions;
    private long _collectedBytes;
    private long _compactTicks;
    private int _fullCollectionsSeen = -1; // GC.CollectionCount(2) after the last pass; only the timer's loop touches it

    /// <summary>Whether it runs: an interval is set.</summary>
    public bool Enabled => options.MemoryCompactInterval > TimeSpan.Zero;

    /// <summary>Compactions done since the server started.</summary>
    public long Compactions => Interlocked.Read(ref _compactions);

    /// <summary>Bytes of garbage the compactions collected, all together.</summary>
    public long CollectedBytes => Interlocked.Read(ref _collectedBytes);

    /// <summary>Time spent in compactions, all together (requests wait while one runs).</summary>
    public TimeSpan CompactTime => TimeSpan.FromTicks(Interlocked.Read(ref _compactTicks));

    /// <summary>
    /// One pass: compacts unless the runtime collected generation 2 itself since the last pass; returns whether it did.
    /// </summary>
    public bool CompactNow()
    {
        var seen = _fullCollectionsSeen;
        _fullCollectionsSeen = GC.CollectionCount(2);
        if (seen >= 0 && seen != _fullCollectionsSeen)
        {
            return false; // the runtime's own full collection already cleared generation 2: nothing much to gain this time
        }

        var before = GC.GetTotalMemory(forceFullCollection: false);
        var started = Stopwatch.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        Interlocked.Add(ref _compactTicks, Stopwatch.GetElapsedTime(started).Ticks);
        var after = GC.GetTotalMemory(forceFullCollection: false);
        Interlocked.Increment(ref _compactions);
        Interlocked.Add(ref _collectedBytes, Math.Max(0, before - after));
        _fullCollectionsSeen = GC.CollectionCount(2);
        logger.LogDebug("memory: compacted the managed heap, {Before} -> {After} bytes", before, after);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        _fullCollectionsSeen = GC.CollectionCount(2);
        using var timer = new PeriodicTimer(options.MemoryCompactInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                CompactNow();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
