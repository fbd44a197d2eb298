using Stasis.Client.Model;

namespace Stasis.Server.Scheduling.Placement;

/// <summary>Makes the policy a function names. Each dispatcher gets its own (round-robin keeps a turn).</summary>
internal static class PlacementPolicies
{
    /// <summary>Example: <c>Create("power-of-two-choices", Random.Shared)</c>; null or unknown → join-idle-queue (the validator refuses unknown names earlier).</summary>
    public static IPlacementPolicy Create(string? name, Random random) => name switch
    {
        SchedulingPolicyNames.RoundRobin => new RoundRobinPolicy(),
        SchedulingPolicyNames.Random => new RandomPolicy(random),
        SchedulingPolicyNames.PowerOfTwoChoices => new PowerOfTwoChoicesPolicy(random),
        SchedulingPolicyNames.LeastOutstanding => new LeastOutstandingPolicy(),
        _ => JoinIdleQueuePolicy.Instance,
    };
}
