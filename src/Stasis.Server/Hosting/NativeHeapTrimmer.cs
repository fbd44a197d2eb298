using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Stasis.Server.Hosting;

/// <summary>
/// Every <see cref="StasisServerOptions.MemoryTrimInterval"/>, gives the native heap's free memory back to the kernel
/// when it keeps at least <see cref="MinFreeHeld"/> (<see cref="NativeHeap"/>). Off when the interval is zero or the
/// C library is not glibc. What it did is in <c>GET /api/v1/status</c> under <c>memory</c>.
/// </summary>
internal sealed class NativeHeapTrimmer(StasisServerOptions options, TimeProvider time, ILogger<NativeHeapTrimmer> logger) : BackgroundService
{
    /// <summary>Free memory below this is left where it is: a trim would give back too little to matter.</summary>
    public const long MinFreeHeld = 1L << 20;

    private long _trims;
    private long _trimmedBytes;
    private long _trimTicks;

    /// <summary>Whether it runs: an interval is set and the heap can be trimmed.</summary>
    public bool Enabled => options.MemoryTrimInterval > TimeSpan.Zero && NativeHeap.Supported;

    /// <summary>Trims done since the server started.</summary>
    public long Trims => Interlocked.Read(ref _trims);

    /// <summary>Resident bytes the trims gave back, all together.</summary>
    public long TrimmedBytes => Interlocked.Read(ref _trimmedBytes);

    /// <summary>Time spent in trims, all together (the arenas are locked while one runs).</summary>
    public TimeSpan TrimTime => TimeSpan.FromTicks(Interlocked.Read(ref _trimTicks));

    /// <summary>One pass: trims when enough free memory is held; returns the resident bytes given back.</summary>
    public long TrimNow()
    {
        if (!NativeHeap.Supported || NativeHeap.Read() is not { FreeHeld: >= MinFreeHeld })
        {
            return 0;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var released = NativeHeap.Trim();
        Interlocked.Add(ref _trimTicks, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
        Interlocked.Increment(ref _trims);
        Interlocked.Add(ref _trimmedBytes, released);
        return released;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            if (options.MemoryTrimInterval > TimeSpan.Zero)
            {
                logger.LogDebug("memory: the C library is not glibc; the native heap is not trimmed");
            }

            return;
        }

        using var timer = new PeriodicTimer(options.MemoryTrimInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var released = TrimNow();
                if (released > 0)
                {
                    logger.LogDebug("memory: gave {Bytes} bytes of free native heap back to the kernel", released);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
