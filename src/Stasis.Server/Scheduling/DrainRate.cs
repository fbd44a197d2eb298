namespace Stasis.Server.Scheduling;

/// <summary>
/// How fast a function's requests complete, from the last few completions: what a 429's Retry-After
/// is computed from. Not thread-safe: the dispatcher calls it under its lock.
/// </summary>
internal sealed class DrainRate
{
    private const int Window = 32;
    private readonly long[] _completions = new long[Window];
    private int _count;
    private int _next;

    public void Record(long timestamp)
    {
        _completions[_next] = timestamp;
        _next = (_next + 1) % Window;
        _count = Math.Min(_count + 1, Window);
    }

    /// <summary>
    /// Time for <paramref name="queued"/> requests to drain at the observed rate, 1–60 s.
    /// Example: 32 completions over the last 4 s (8/s) and 40 queued → 5 s.
    /// </summary>
    public TimeSpan RetryAfter(int queued, long now, TimeProvider time)
    {
        if (_count < 2)
        {
            return TimeSpan.FromSeconds(1);
        }

        var oldest = _completions[_count < Window ? 0 : _next];
        var span = time.GetElapsedTime(oldest, now);
        if (span <= TimeSpan.Zero)
        {
            return TimeSpan.FromSeconds(1);
        }

        var perSecond = (_count - 1) / span.TotalSeconds;
        var seconds = Math.Ceiling(queued / perSecond);
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 60));
    }
}
