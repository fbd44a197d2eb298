namespace Stasis.Server.Scheduling.Placement;

/// <summary>
/// Each request to the next instance in turn, whatever it is doing: what a plain load balancer does.
/// A request that finds its instance busy waits for that instance.
/// </summary>
internal sealed class RoundRobinPolicy : IPlacementPolicy
{
    private uint _next;

    public string Name => Stasis.Client.Model.SchedulingPolicyNames.RoundRobin;

    public bool BindsOnArrival => true;

    public int Choose(ReadOnlySpan<PlacementCandidate> candidates) => (int)(_next++ % (uint)candidates.Length);
}
