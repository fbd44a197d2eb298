namespace Stasis.Server.Autoscaling;

/// <summary>
/// A decision: the provisioned count to keep, why, and the state for the next decision.
/// Example: <c>Target 4</c>, <c>Reason</c> "ProvisionedConcurrencyUtilization 0.92 &gt; 0.60 for 3
/// intervals: ceil(2 × 0.92 / 0.60) = 4 (policy scaling-policy-demo)".
/// </summary>
/// <param name="Explain">
/// Set when something keeps the target from what a metric asks (a maxCapacity reached, a metric
/// unavailable); it becomes the config's <c>currentError</c>.
/// </param>
internal sealed record ScalingDecision(int Target, string Reason, string? Explain, ScalingEvidence Evidence, ScalingState State);

/// <summary>The inputs a decision used, to record beside it.</summary>
/// <param name="Proposals">What each applying tracking policy and the scheduled action in force proposed.</param>
internal sealed record ScalingEvidence(
    DateTimeOffset Now,
    int Current,
    int DefaultTarget,
    ScalingMetrics? Metrics,
    IReadOnlyList<ScalingProposal> Proposals);

/// <summary>
/// What one policy or action proposed and why.
/// Example: <c>Source</c> "policy scaling-policy-demo", <c>Target</c> 4, <c>Why</c>
/// "ProvisionedConcurrencyUtilization 0.92 &gt; 0.60 for 3 intervals: ceil(2 × 0.92 / 0.60) = 4".
/// </summary>
internal sealed record ScalingProposal(string Source, int Target, string Why)
{
    public override string ToString() => $"{Why} ({Source})";
}
