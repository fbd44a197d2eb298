namespace Stasis.Server.Simulation;

/// <summary>What a simulated run measured. Latencies are from arrival to the end of service, in milliseconds.</summary>
public sealed record SimulationResult
{
    public required SimulationMode Mode { get; init; }
    public long Requests { get; init; }
    public long Served { get; init; }
    /// <summary>Requests refused: queue full (429), no instance possible (503), or waited past their deadline (504).</summary>
    public long Refused { get; init; }
    public double LatencyP50Ms { get; init; }
    public double LatencyP90Ms { get; init; }
    public double LatencyP99Ms { get; init; }
    public double QueueWaitP50Ms { get; init; }
    public double QueueWaitP90Ms { get; init; }
    public double QueueWaitP99Ms { get; init; }
    /// <summary>Requests that waited for an instance to start.</summary>
    public long ColdStarts { get; init; }
    /// <summary>Requests that thawed a frozen instance.</summary>
    public long Thaws { get; init; }
    public long InstancesStarted { get; init; }
    /// <summary>Instance-seconds billed idle and active.</summary>
    public double IdleSeconds { get; init; }
    public double ActiveSeconds { get; init; }
    /// <summary>The bill of the run, in the prices' currency, and its compute units.</summary>
    public decimal Cost { get; init; }
    public decimal Cu { get; init; }
    /// <summary>Virtual time the run covered.</summary>
    public TimeSpan Span { get; init; }
    /// <summary>Real time the run took.</summary>
    public TimeSpan Elapsed { get; init; }
    public IReadOnlyList<SimulationPoint> Timeline { get; init; } = [];
}

/// <summary>One step of the timeline (all functions together): load, instances by state, provisioned target and current, latency.</summary>
public sealed record SimulationPoint(
    TimeSpan At,
    long Arrivals,
    double? LatencyP90Ms,
    int Starting,
    int Warm,
    int Busy,
    int Frozen,
    int ProvisionedTarget,
    int ProvisionedCurrent);
