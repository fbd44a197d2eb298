namespace Stasis.Server.Metrics;

/// <summary>
/// One function's figures over one closed interval [<see cref="Start"/>, <see cref="End"/>). Intervals are aligned to
/// multiples of the metrics interval (60 s by default), except a function's first one, which begins when the server
/// first saw it, and its last before a shutdown or removal, which ends then. A figure the host cannot measure, or that
/// has nothing to measure (no invocation, no provisioned instance, no GPU), is null: unavailable, never zero.
/// docs/metrics.md defines each one.
/// </summary>
internal sealed record FunctionMetricsPoint
{
    public required string FunctionName { get; init; }

    public required DateTimeOffset Start { get; init; }

    public required DateTimeOffset End { get; init; }

    /// <summary>Requests the gateway answered for the function in the interval, whatever the status.</summary>
    public long Invocations { get; init; }

    /// <summary>Invocations answered 5xx, or that the function marked failed with <c>x-fc-status</c>.</summary>
    public long Errors { get; init; }

    /// <summary>Gateway latency (arrival to the end of the answer), nearest-rank percentiles; null without invocations.</summary>
    public double? LatencyP50Ms { get; init; }

    public double? LatencyP90Ms { get; init; }

    public double? LatencyP99Ms { get; init; }

    /// <summary>Time requests waited for a slot (zero when one was free); null when no request got a slot.</summary>
    public double? QueueWaitP50Ms { get; init; }

    public double? QueueWaitP90Ms { get; init; }

    public double? QueueWaitP99Ms { get; init; }

    /// <summary>Mean of the in-flight requests sampled every second; null when no sample fell in the interval.</summary>
    public double? InFlightAverage { get; init; }

    /// <summary>The most requests in flight at once: the largest sample, or the count at any request's start.</summary>
    public int InFlightMax { get; init; }

    /// <summary>Mean over the samples of in-flight on provisioned instances ÷ their slots; null with no provisioned instance.</summary>
    public double? ProvisionedConcurrencyUtilization { get; init; }

    /// <summary>Mean over instances of CPU time used ÷ (wall time × the instance's CPU, 1 core when unset); null without cgroup figures.</summary>
    public double? CpuUtilization { get; init; }

    /// <summary>Memory of all instances at the interval's close, bytes; null without cgroup figures.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>GPU memory its processes hold ÷ GPU memory its instances asked for; null without nvidia-smi or for a CPU function.</summary>
    public double? GpuMemoryUtilization { get; init; }

    /// <summary>The provision target at the close.</summary>
    public int ProvisionedTarget { get; init; }

    /// <summary>Provisioned instances of the current version ready to serve at the close.</summary>
    public int ProvisionedCurrent { get; init; }

    /// <summary>Live instances by state at the close.</summary>
    public InstancesByState Instances { get; init; }

    /// <summary>How many load samples the interval had (averages are over these).</summary>
    public int Samples { get; init; }
}

/// <summary>Live instances by state; <see cref="Starting"/> counts initializing ones too.</summary>
internal readonly record struct InstancesByState(int Starting, int Ready, int Busy, int Frozen, int Draining)
{
    public int Total => Starting + Ready + Busy + Frozen + Draining;
}
