namespace Stasis.Server.Scheduling;

/// <summary>
/// The server-wide cap on live instances (<c>--max-instances-total</c>), shared by every dispatcher. An instance
/// takes a place before it starts and gives it back when it leaves its dispatcher (stopped, failed or crashed), so
/// starting, serving, frozen and draining instances all count. Lock-free: dispatchers take places under their own
/// locks, which do not exclude each other.
/// </summary>
internal sealed class InstanceBudget
{
    private int _live;

    /// <param name="limit">Most live instances; <see cref="int.MaxValue"/> for no cap.</param>
    public InstanceBudget(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Limit = limit;
    }

    public int Limit { get; }

    /// <summary>Instances holding a place now.</summary>
    public int Live => Volatile.Read(ref _live);

    /// <summary>Takes a place for one more instance; false when all are taken.</summary>
    public bool TryTake()
    {
        var live = Volatile.Read(ref _live);
        while (live < Limit)
        {
            var seen = Interlocked.CompareExchange(ref _live, live + 1, live);
            if (seen == live)
            {
                return true;
            }

            live = seen;
        }

        return false;
    }

    /// <summary>Gives back a place taken with <see cref="TryTake"/>.</summary>
    public void Return()
    {
        var live = Interlocked.Decrement(ref _live);
        System.Diagnostics.Debug.Assert(live >= 0, "an instance gave back a place it never took");
    }

    /// <summary>Why an instance did not start, for errors and the provision status.</summary>
    public string Refusal => $"the server already runs {Limit} instances, its limit (--max-instances-total, limits.maxInstancesTotal)";
}
