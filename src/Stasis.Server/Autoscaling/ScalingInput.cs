namespace Stasis.Server.Autoscaling;

/// <summary>
/// Everything one decision looks at: a snapshot, so that <see cref="Autoscaler.Decide"/> reads no clock
/// and no store.
/// </summary>
/// <param name="Now">The time of the decision.</param>
/// <param name="DefaultTarget">The config's defaultTarget: the count when no policy applies.</param>
/// <param name="Disabled">The config says target 0 explicitly: the policies are ignored and the count is 0.</param>
/// <param name="Policies">The config's policies, validated.</param>
/// <param name="Current">Provisioned instances ready now (warm or frozen).</param>
/// <param name="Metrics">The latest closed metric interval; null when none has closed yet.</param>
/// <param name="Settings">How many intervals make a sustained period.</param>
internal sealed record ScalingInput(
    DateTimeOffset Now,
    int DefaultTarget,
    bool Disabled,
    ScalingPolicies Policies,
    int Current,
    ScalingMetrics? Metrics,
    ScalingSettings Settings);

/// <summary>
/// The metrics of one closed interval, each a fraction (0.6 = 60 %); null = unavailable (no instance
/// to measure, or the measure failed). <see cref="IntervalEnd"/> identifies the interval: the decider
/// counts each interval once however often it is asked, so delays are measured in elapsed intervals,
/// not in calls.
/// </summary>
internal sealed record ScalingMetrics(
    DateTimeOffset IntervalEnd,
    double? ProvisionedConcurrencyUtilization = null,
    double? CPUUtilization = null,
    double? GPUMemUtilization = null)
{
    /// <summary>
    /// Provisioned instances ready when the interval closed: what the metric measured. The rule multiplies
    /// the metric by this count, not by the instances ready at the decision, which may include ones the
    /// interval never saw (then a second step would be sized on capacity that was not measured).
    /// </summary>
    public int? Measured { get; init; }

    /// <summary>What target tracking weighs of a closed metric interval.</summary>
    public static ScalingMetrics From(Metrics.FunctionMetricsPoint point) =>
        new(point.End, point.ProvisionedConcurrencyUtilization, point.CpuUtilization, point.GpuMemoryUtilization) { Measured = point.ProvisionedCurrent };

    public double? Get(ScalingMetricType type) => type switch
    {
        ScalingMetricType.ProvisionedConcurrencyUtilization => ProvisionedConcurrencyUtilization,
        ScalingMetricType.CPUUtilization => CPUUtilization,
        ScalingMetricType.GPUMemUtilization => GPUMemUtilization,
        _ => null,
    };
}

/// <summary>
/// How long the metric must stay on one side of its target before a policy moves: scale-out after
/// <see cref="ScaleOutIntervals"/> consecutive intervals above (3, as FC and AWS alarm after three
/// one-minute datapoints), scale-in after <see cref="ScaleInIntervals"/> below (15: removing capacity
/// too early costs more than keeping it a little longer).
/// </summary>
internal sealed record ScalingSettings(int ScaleOutIntervals = 3, int ScaleInIntervals = 15)
{
    public static readonly ScalingSettings Default = new();
}
