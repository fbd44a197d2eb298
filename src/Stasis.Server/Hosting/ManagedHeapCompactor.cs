using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Stasis.Server.Hosting;

/// <summary>
/// Every <see cref="StasisServerOptions.MemoryCompactInterval"/>, runs one full, compacting, decommitting garbage
/// collection (<see cref="GCCollectionMode.Aggressive"/>) unless the runtime ran a full collection of its own since the
/// last one. The server's live heap is small (a few MB) and most of its garbage is short-lived, but what survives a few
/// young collections waits in generation 2 until the runtime's budget for it runs out, and the regions that held it
/// stay committed after: under a steady load, resident memory climbs in 4 MB steps for tens of minutes before it
/// levels. A compaction at a fixed pace bounds both. Off when the interval is zero. What it did is in
/// <c>GET /api/v1/status</c> under <c>memory</c>.
/// </summary>
internal sealed class ManagedHeapCompactor(StasisServerOptions options, TimeProvider time, ILogger<ManagedHeapCompactor> logger) : BackgroundService
{
    private long _compactions;
    private long _releasedBytes;
    private long _compactTicks;
    private int _fullCollectionsSeen = -1;

    /// <summary>Whether it runs: an interval is set.</summary>
    public bool Enabled => options.MemoryCompactInterval > TimeSpan.Zero;

    /// <summary>Compactions done since the server started.</summary>
    public long Compactions => Interlocked.Read(ref _compactions);

    /// <summary>Committed bytes of managed heap the compactions gave back, all together.</summary>
    public long ReleasedBytes => Interlocked.Read(ref _releasedBytes);

    /// <summary>Time spent in compactions, all together (requests wait while one runs).</summary>
    public TimeSpan CompactTime => TimeSpan.FromTicks(Interlocked.Read(ref _compactTicks));

    /// <summary>
    /// One pass: compacts unless the runtime collected generation 2 itself since the last pass; returns whether it did.
    /// </summary>
    public bool CompactNow()
    {
        var full = GC.CollectionCount(2);
        if (full != Volatile.Read(ref _fullCollectionsSeen) && Volatile.Read(ref _fullCollectionsSeen) >= 0)
        {
            // The runtime's own full collection already cleared generation 2: nothing much to gain this time.
            Volatile.Write(ref _fullCollectionsSeen, full);
            return false;
        }

        var committedBefore = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var started = Stopwatch.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Interlocked.Add(ref _compactTicks, Stopwatch.GetElapsedTime(started).Ticks);
        var committedAfter = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Interlocked.Increment(ref _compactions);
        Interlocked.Add(ref _releasedBytes, Math.Max(0, committedBefore - committedAfter));
        Volatile.Write(ref _fullCollectionsSeen, GC.CollectionCount(2));
        logger.LogDebug("memory: compacted the managed heap, committed {Before} -> {After} bytes", committedBefore, committedAfter);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        Volatile.Write(ref _fullCollectionsSeen, GC.CollectionCount(2));
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
