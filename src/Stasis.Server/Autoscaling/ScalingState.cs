namespace Stasis.Server.Autoscaling;

/// <summary>
/// What the decider remembers between decisions; the caller keeps it and hands it back. Immutable:
/// <see cref="Autoscaler.Decide"/> returns a new one.
/// </summary>
/// <param name="Tracking">Per applying tracking policy, by <see cref="TargetTrackingPolicy.Key"/>.</param>
/// <param name="LastInterval">The end of the last metric interval counted, so none is counted twice.</param>
/// <param name="LastTarget">The last decision's target; null before the first.</param>
internal sealed record ScalingState(
    IReadOnlyDictionary<string, TrackingState> Tracking,
    DateTimeOffset? LastInterval,
    int? LastTarget)
{
    public static readonly ScalingState Initial = new(new Dictionary<string, TrackingState>(), null, null);

    public TrackingState For(TargetTrackingPolicy policy) => Tracking.GetValueOrDefault(policy.Key) ?? TrackingState.Initial;
}

/// <summary>
/// One tracking policy's memory: consecutive intervals with the metric above and below its target
/// (one of them is 0), and what the policy last proposed.
/// </summary>
internal sealed record TrackingState(int Above, int Below, int? LastProposal)
{
    /// <summary>Sum of the metric over the <see cref="Below"/> intervals counted: scale-in uses their mean.</summary>
    public double SumBelow { get; init; }

    public static readonly TrackingState Initial = new(0, 0, null);
}
