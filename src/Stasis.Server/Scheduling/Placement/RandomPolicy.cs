namespace Stasis.Server.Scheduling.Placement;

/// <summary>Each request to an instance drawn uniformly at random, whatever it is doing.</summary>
internal sealed class RandomPolicy(Random random) : IPlacementPolicy
{
    public string Name => Stasis.Client.Model.SchedulingPolicyNames.Random;

    public bool BindsOnArrival => true;

    public int Choose(ReadOnlySpan<PlacementCandidate> candidates) => random.Next(candidates.Length);
}
