namespace Stasis.Server.Autoscaling;

/// <summary>A provision config's policies, validated and typed (<see cref="ScalingPolicyParser"/> makes them).</summary>
internal sealed record ScalingPolicies(IReadOnlyList<TargetTrackingPolicy> TargetTracking, IReadOnlyList<ScheduledAction> ScheduledActions)
{
    public static readonly ScalingPolicies None = new([], []);

    public bool IsEmpty => TargetTracking.Count == 0 && ScheduledActions.Count == 0;
}
