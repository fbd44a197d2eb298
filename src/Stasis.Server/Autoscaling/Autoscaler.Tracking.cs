namespace Stasis.Server.Autoscaling;

/// <summary>What one target tracking policy proposes.</summary>
internal static partial class Autoscaler
{
    /// <summary>
    /// Absorbs floating-point error before rounding up: 2 × 0.9 / 0.6 is 3.0000000000000004 in
    /// doubles, and must give 3, not 4.
    /// </summary>
    private const double Epsilon = 1e-9;

    /// <param name="Asked">
    /// What the formula asks before clamping: on a step, and while holding with the metric above target
    /// (so that a policy held at its maxCapacity keeps saying so).
    /// </param>
    /// <param name="Unavailable">The metric was not measured.</param>
    private sealed record Proposal(int Target, string Why, TrackingState State, int? Asked = null, bool Unavailable = false);

    /// <summary>
    /// A tracking policy's proposal, always within [minCapacity, maxCapacity]:
    /// <list type="bullet">
    /// <item>metric above target for ≥ ScaleOutIntervals consecutive intervals → ceil(current × metric ÷ target),
    /// never below its last proposal (instances it asked for may still be starting). Example: 2 ready,
    /// 0.9 against 0.6 for 3 intervals → ceil(2 × 0.9 / 0.6) = 3.</item>
    /// <item>metric below target for ≥ ScaleInIntervals consecutive intervals → the same formula, never
    /// above its last proposal. Example: 4 ready, 0.2 against 0.6 for 15 intervals → ceil(4 × 0.2 / 0.6) = 2.</item>
    /// <item>otherwise → hold its last proposal, or <c>current</c> when it has none.</item>
    /// </list>
    /// A step restarts its count: the next step needs another sustained period, so the metric can
    /// reflect the instances the step added before it is read again. A metric equal to the target
    /// restarts both counts. Ceil gives scale-in its margin: 4 ready at 0.55 against 0.6 asks for
    /// ceil(3.67) = 4, no change.
    /// <para>
    /// An unavailable metric holds, and leaves both counts as they were (a missing interval neither
    /// breaks nor extends a run). With no instance ready and the metric unavailable or 0, the policy
    /// proposes its minCapacity: nothing runs, so nothing can be measured, and the floor is what is known.
    /// An interval already counted (the same <see cref="ScalingMetrics.IntervalEnd"/> again) is not
    /// counted twice.
    /// </para>
    /// </summary>
    private static Proposal Propose(TargetTrackingPolicy policy, TrackingState state, double? metric, int current, bool newInterval, ScalingSettings settings)
    {
        var type = policy.MetricType;
        var goal = policy.MetricTarget;
        int Clamp(int n) => Math.Clamp(n, policy.MinCapacity, policy.MaxCapacity);

        // A measure that is not a finite fraction ≥ 0 is a broken measure: treat it as unavailable.
        if (metric is not { } m || !double.IsFinite(m) || m < 0)
        {
            if (current == 0)
            {
                return new Proposal(policy.MinCapacity, $"{type} unavailable with no instance ready: minCapacity {policy.MinCapacity}",
                    state with { LastProposal = policy.MinCapacity }, Unavailable: true);
            }

            var held = Clamp(state.LastProposal ?? current);
            return new Proposal(held, $"{type} unavailable: holding {held}", state with { LastProposal = held }, Unavailable: true);
        }

        if (current == 0 && m == 0)
        {
            return new Proposal(policy.MinCapacity, $"{type} 0 with no instance ready: minCapacity {policy.MinCapacity}",
                new TrackingState(0, 0, policy.MinCapacity));
        }

        var above = !newInterval ? state.Above : m > goal ? state.Above + 1 : 0;
        var below = !newInterval ? state.Below : m < goal ? state.Below + 1 : 0;
        // Scale-in weighs the mean over its whole quiet period, not its last interval, so that one noisy
        // interval does not release more than the period asks for.
        var sumBelow = !newInterval ? state.SumBelow : m < goal ? state.SumBelow + m : 0;
        var formula = $"ceil({current} × {Num(m)} / {Num(goal)})";

        if (above >= settings.ScaleOutIntervals)
        {
            // Example: 2 ready at 0.92 against 0.60 → ceil(2 × 0.92 / 0.60) = ceil(3.07) = 4.
            var asked = Ask(current, m, goal);
            var target = Clamp(Math.Max(asked, state.LastProposal ?? 0));
            return new Proposal(target, $"{type} {Num(m)} > {Num(goal)} for {above} intervals: {formula} = {asked}{Bound(policy, asked, target)}",
                new TrackingState(0, 0, target), asked);
        }

        if (below >= settings.ScaleInIntervals)
        {
            // Example: 4 ready at a mean of 0.20 over the period against 0.60 → ceil(4 × 0.20 / 0.60) = ceil(1.33) = 2.
            var mean = sumBelow / below;
            var asked = Ask(current, mean, goal);
            var target = Clamp(Math.Min(asked, state.LastProposal ?? current));
            return new Proposal(target, $"{type} mean {Num(mean)} < {Num(goal)} over {below} intervals: ceil({current} × {Num(mean)} / {Num(goal)}) = {asked}{Bound(policy, asked, target)}",
                new TrackingState(0, 0, target), asked);
        }

        var hold = Clamp(state.LastProposal ?? current);
        var why = m > goal ? $"{type} {Num(m)} > {Num(goal)} for {above} of {settings.ScaleOutIntervals} intervals: holding {hold}"
            : m < goal ? $"{type} {Num(m)} < {Num(goal)} for {below} of {settings.ScaleInIntervals} intervals: holding {hold}"
            : $"{type} {Num(m)} at its target {Num(goal)}: holding {hold}";
        int? wants = m > goal ? Ask(current, m, goal) : null;
        return new Proposal(hold, why, new TrackingState(above, below, hold) { SumBelow = sumBelow }, wants);
    }

    /// <summary>ceil(current × metric ÷ target), kept within int: 3 ready at 0.8 against 0.5 → ceil(4.8) = 5.</summary>
    private static int Ask(int current, double metric, double target) =>
        (int)Math.Min(Math.Ceiling(current * metric / target - Epsilon), int.MaxValue);

    /// <summary>Says which bound changed the formula's count, and why it did not move: ", capped at maxCapacity 10".</summary>
    private static string Bound(TargetTrackingPolicy policy, int asked, int target) =>
        asked > policy.MaxCapacity ? $", capped at maxCapacity {policy.MaxCapacity}"
        : asked < policy.MinCapacity ? $", raised to minCapacity {policy.MinCapacity}"
        : target != asked ? $", kept at {target} (instances already asked for)"
        : "";
}
