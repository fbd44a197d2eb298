namespace Stasis.Client.Model;

/// <summary>
/// The answer to <c>GET /api/v1/functions/{name}/metrics</c>: the function's closed metrics intervals that overlap
/// [<see cref="Since"/>, <see cref="Until"/>), oldest first. docs/metrics.md defines every figure.
/// </summary>
public sealed record MetricsReport
{
    public required string FunctionName { get; init; }

    /// <summary>The server's metrics interval.</summary>
    public required double IntervalSeconds { get; init; }

    public required DateTimeOffset Since { get; init; }

    /// <summary>When the server answered.</summary>
    public required DateTimeOffset Until { get; init; }

    public List<MetricsPoint> Points { get; init; } = new();
}

/// <summary>
/// One function's figures over one closed interval [<see cref="Start"/>, <see cref="End"/>). A figure that is null
/// (absent from the JSON) was unavailable: no invocation to measure, no provisioned instance, no cgroup figures,
/// no <c>nvidia-smi</c> — never a zero in disguise.
/// </summary>
public sealed record MetricsPoint
{
    public DateTimeOffset Start { get; init; }
    public DateTimeOffset End { get; init; }
    public long Invocations { get; init; }
    /// <summary>Invocations answered 5xx or marked failed by the function (<c>x-fc-status</c>).</summary>
    public long Errors { get; init; }
    public double? LatencyP50Ms { get; init; }
    public double? LatencyP90Ms { get; init; }
    public double? LatencyP99Ms { get; init; }
    public double? QueueWaitP50Ms { get; init; }
    public double? QueueWaitP90Ms { get; init; }
    public double? QueueWaitP99Ms { get; init; }
    public double? InFlightAverage { get; init; }
    public int InFlightMax { get; init; }
    /// <summary>In-flight on provisioned instances ÷ their slots, averaged over the interval (0–1).</summary>
    public double? ProvisionedConcurrencyUtilization { get; init; }
    /// <summary>Mean over instances of CPU used ÷ the instance's CPU (0–1).</summary>
    public double? CpuUtilization { get; init; }
    public long? MemoryBytes { get; init; }
    /// <summary>GPU memory held ÷ GPU memory asked for (0–1).</summary>
    public double? GpuMemoryUtilization { get; init; }
    public int ProvisionedTarget { get; init; }
    public int ProvisionedCurrent { get; init; }
    public InstanceStateCounts InstancesByState { get; init; } = new();
    /// <summary>Load samples taken in the interval (one a second).</summary>
    public int Samples { get; init; }
    /// <summary>Per-instance figures, when asked for with <c>instances=true</c>.</summary>
    public List<InstanceMetrics>? Instances { get; init; }
}

/// <summary>Live instances by state at an interval's close; <see cref="Starting"/> includes initializing ones.</summary>
public sealed record InstanceStateCounts
{
    public int Starting { get; init; }
    public int Ready { get; init; }
    public int Busy { get; init; }
    public int Frozen { get; init; }
    public int Draining { get; init; }
}

/// <summary>One instance's figures over an interval of its function.</summary>
public sealed record InstanceMetrics
{
    public required string InstanceId { get; init; }
    /// <summary><c>provisioned</c> or <c>onDemand</c>.</summary>
    public required string Kind { get; init; }
    /// <summary>Its state at the last sample of the interval, e.g. <c>ready</c>, <c>frozen</c>.</summary>
    public required string State { get; init; }
    public int Slots { get; init; }
    public double InFlightAverage { get; init; }
    public int InFlightMax { get; init; }
    public double? CpuUtilization { get; init; }
    public long? MemoryBytes { get; init; }
    public long? GpuMemoryBytes { get; init; }
}
