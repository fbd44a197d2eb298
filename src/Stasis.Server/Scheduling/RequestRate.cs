using Stasis.Client.Model;

namespace Stasis.Server.Scheduling;

/// <summary>
/// A function's request rate limit (<c>maxRequestsPerSecond</c>, <c>burst</c>): a token bucket of <c>burst</c>
/// tokens refilled at the rate, kept in its GCRA form — one 64-bit "theoretical arrival time" on the dispatcher's
/// clock, moved by compare-and-swap. No lock, no allocation; a request costs one clock read and one CAS.
/// Example: 10 per second, burst 20 → 20 requests pass at once, then one every 100 ms.
/// </summary>
internal sealed class RequestRate
{
    private readonly TimeProvider _time;
    private readonly long _interval;
    private readonly long _tolerance;
    private long _theoreticalArrival = long.MinValue;

    public RequestRate(double perSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        PerSecond = perSecond;
        Burst = burst;
        _time = time;
        // Clock ticks between two requests at the rate, and how far ahead of now the bucket may run: burst − 1 of them.
        // Clamped well inside a long, so that adding them to a timestamp cannot overflow.
        var interval = Math.Clamp(time.TimestampFrequency / perSecond, 1, long.MaxValue / 8.0);
        _interval = (long)interval;
        _tolerance = (long)Math.Min(interval * (burst - 1), long.MaxValue / 8.0);
    }

    public double PerSecond { get; }

    public int Burst { get; }

    /// <summary>The limit of <paramref name="spec"/>: <paramref name="current"/> when it is the same one (its state carries over), null when the spec sets none.</summary>
    public static RequestRate? For(FunctionSpec spec, TimeProvider time, RequestRate? current)
    {
        if (spec.MaxRequestsPerSecond is not { } perSecond)
        {
            return null;
        }

        var burst = spec.EffectiveBurst;
        return current is not null && current.PerSecond == perSecond && current.Burst == burst
            ? current
            : new RequestRate(perSecond, burst, time);
    }

    /// <summary>Takes a token if there is one. When there is none, <paramref name="retryAfter"/> is how long until there is.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        var now = _time.GetTimestamp();
        var seen = Volatile.Read(ref _theoreticalArrival);
        while (true)
        {
            var start = Math.Max(seen, now);
            var ahead = start - now;
            if (ahead > _tolerance)
            {
                retryAfter = TimeSpan.FromTicks((long)((double)(ahead - _tolerance) * TimeSpan.TicksPerSecond / _time.TimestampFrequency));
                return false;
            }

            var previous = Interlocked.CompareExchange(ref _theoreticalArrival, start + _interval, seen);
            if (previous == seen)
            {
                retryAfter = TimeSpan.Zero;
                return true;
            }

            seen = previous; // another request took a token in between: decide again on what it left
        }
    }
}
