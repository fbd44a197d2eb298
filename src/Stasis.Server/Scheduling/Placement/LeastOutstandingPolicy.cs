namespace Stasis.Server.Scheduling.Placement;

/// <summary>
/// The instance holding the fewest requests (serving plus waiting for it); among equals, the better
/// tier, then the one idle longest. The request is bound to it even when it is busy.
/// </summary>
internal sealed class LeastOutstandingPolicy : IPlacementPolicy
{
    public string Name => Stasis.Client.Model.SchedulingPolicyNames.LeastOutstanding;

    public bool BindsOnArrival => true;

    public int Choose(ReadOnlySpan<PlacementCandidate> candidates)
    {
        var best = 0;
        for (var i = 1; i < candidates.Length; i++)
        {
            var (c, b) = (candidates[i], candidates[best]);
            if (c.Outstanding != b.Outstanding ? c.Outstanding < b.Outstanding
                : c.Tier != b.Tier ? c.Tier < b.Tier
                : c.IdleSince < b.IdleSince)
            {
                best = i;
            }
        }

        return best;
    }
}
