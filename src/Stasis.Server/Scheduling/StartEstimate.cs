namespace Stasis.Server.Scheduling;

/// <summary>
/// What a function's requests and cold starts have taken lately (moving averages), so the dispatcher
/// can tell whether a queued request is served sooner by a busy instance or by a new one. Not
/// thread-safe: the dispatcher calls it under its lock.
/// </summary>
internal sealed class StartEstimate
{
    private const double Weight = 0.2;

    /// <summary>Average time a request holds its slot; null until one completed.</summary>
    public TimeSpan? Service { get; private set; }

    /// <summary>Average time from start to ready (initializer included); null until one instance was ready.</summary>
    public TimeSpan? ColdStart { get; private set; }

    public void RecordService(TimeSpan held) => Service = Blend(Service, held);

    public void RecordColdStart(TimeSpan took) => ColdStart = Blend(ColdStart, took);

    /// <summary>
    /// Whether the <paramref name="position"/>-th waiting request (1-based) that no starting instance
    /// covers would still wait at least a cold start for one of <paramref name="servingSlots"/> busy
    /// slots, so starting an instance for it pays. True when either figure is unknown.
    /// Example: service 100 ms, 4 slots, cold start 2 s → the 80th request waits about 2 s: start for it,
    /// not for the 10th (250 ms).
    /// </summary>
    public bool StartPays(int position, int servingSlots)
    {
        if (Service is not { } service || ColdStart is not { } cold || servingSlots <= 0)
        {
            return true;
        }

        var expectedWait = service * position / servingSlots;
        return expectedWait >= cold;
    }

    private static TimeSpan Blend(TimeSpan? average, TimeSpan sample) =>
        average is { } a ? TimeSpan.FromTicks((long)(a.Ticks * (1 - Weight) + sample.Ticks * Weight)) : sample;
}
