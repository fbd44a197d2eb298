namespace Stasis.Server.Scheduling.Placement;

/// <summary>
/// The default: only an instance with a free slot takes a request — the best tier, then the fewest
/// in flight, then the one idle longest, so load spreads evenly; with none free the request waits in
/// the function's queue, and the first slot that frees anywhere takes the head of it.
/// </summary>
internal sealed class JoinIdleQueuePolicy : IPlacementPolicy
{
    public static JoinIdleQueuePolicy Instance { get; } = new();

    public string Name => Stasis.Client.Model.SchedulingPolicyNames.JoinIdleQueue;

    public bool BindsOnArrival => false;

    public int Choose(ReadOnlySpan<PlacementCandidate> candidates)
    {
        var best = -1;
        for (var i = 0; i < candidates.Length; i++)
        {
            var c = candidates[i];
            if (!c.HasFreeSlot)
            {
                continue;
            }

            if (best < 0 || Better(c, candidates[best]))
            {
                best = i;
            }
        }

        return best;
    }

    private static bool Better(PlacementCandidate a, PlacementCandidate b)
    {
        if (a.Tier != b.Tier)
        {
            return a.Tier < b.Tier;
        }

        if (a.InFlight != b.InFlight)
        {
            return a.InFlight < b.InFlight;
        }

        return a.IdleSince < b.IdleSince;
    }
}
