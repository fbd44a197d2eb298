namespace Stasis.Server.Scheduling;

/// <summary>
/// How long a function's recent requests waited for a slot (zero when one was free): the last
/// <see cref="Window"/> waits, for percentiles, and totals since the dispatcher began. Not
/// thread-safe: the dispatcher calls it under its lock.
/// </summary>
internal sealed class QueueWaits
{
    public const int Window = 1024;
    private readonly double[] _recentMs = new double[Window];
    private int _count;
    private int _next;

    public long Total { get; private set; }

    public long Queued { get; private set; }

    public void Record(TimeSpan wait, bool queued)
    {
        _recentMs[_next] = wait.TotalMilliseconds;
        _next = (_next + 1) % Window;
        _count = Math.Min(_count + 1, Window);
        Total++;
        if (queued)
        {
            Queued++;
        }
    }

    /// <summary>Percentiles (nearest rank) of the recent waits in milliseconds; null before the first request.</summary>
    public QueueWaitSummary? Summary()
    {
        if (_count == 0)
        {
            return null;
        }

        var sorted = _recentMs.AsSpan(0, _count).ToArray();
        Array.Sort(sorted);
        return new QueueWaitSummary(_count, Rank(sorted, 0.5), Rank(sorted, 0.9), Rank(sorted, 0.99), sorted[^1], Total, Queued);

        static double Rank(double[] s, double p) => s[Math.Clamp((int)Math.Ceiling(p * s.Length) - 1, 0, s.Length - 1)];
    }
}

/// <summary>Queue wait over the last <paramref name="Samples"/> requests, and how many of all requests had to wait.</summary>
internal sealed record QueueWaitSummary(int Samples, double P50Ms, double P90Ms, double P99Ms, double MaxMs, long Requests, long Waited);
