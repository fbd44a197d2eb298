namespace Stasis.Server.Scheduling.Placement;

/// <summary>
/// Two instances drawn at random; the request goes to the one holding fewer requests (the first
/// drawn on a tie). Nearly as good as least-outstanding when the counts are stale or costly to read.
/// </summary>
internal sealed class PowerOfTwoChoicesPolicy(Random random) : IPlacementPolicy
{
    public string Name => Stasis.Client.Model.SchedulingPolicyNames.PowerOfTwoChoices;

    public bool BindsOnArrival => true;

    public int Choose(ReadOnlySpan<PlacementCandidate> candidates)
    {
        if (candidates.Length == 1)
        {
            return 0;
        }

        var a = random.Next(candidates.Length);
        var b = random.Next(candidates.Length - 1);
        if (b >= a)
        {
            b++; // two distinct instances
        }

        return candidates[b].Outstanding < candidates[a].Outstanding ? b : a;
    }
}
