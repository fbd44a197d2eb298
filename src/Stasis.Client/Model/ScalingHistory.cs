namespace Stasis.Client.Model;

/// <summary>One decision of the autoscaler: the target it set, why, and what it weighed.</summary>
public sealed record ScalingDecisionInfo
{
    public required DateTimeOffset At { get; init; }
    /// <summary>The target before; null for the first decision since the server started.</summary>
    public int? PreviousTarget { get; init; }
    public required int Target { get; init; }
    /// <summary>Ready provisioned instances when it was decided.</summary>
    public int Current { get; init; }
    public required string Reason { get; init; }
    /// <summary>What keeps the target from what the metrics ask (maxCapacity reached, a metric unavailable).</summary>
    public string? Explain { get; init; }
    /// <summary>The metric interval weighed (its end), and its values; null values are unavailable.</summary>
    public DateTimeOffset? IntervalEnd { get; init; }
    public double? ProvisionedConcurrencyUtilization { get; init; }
    public double? CpuUtilization { get; init; }
    public double? GpuMemUtilization { get; init; }
    /// <summary>What each applying policy or scheduled action proposed.</summary>
    public List<ScalingProposalInfo> Proposals { get; init; } = new();
}

public sealed record ScalingProposalInfo(string Source, int Target, string Why);
