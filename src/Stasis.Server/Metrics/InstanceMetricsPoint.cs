using Stasis.Server.Instances;
using Stasis.Server.Metering;

namespace Stasis.Server.Metrics;

/// <summary>
/// One instance over one closed interval of its function: every instance seen in a sample of the interval has one.
/// <see cref="State"/> is the last one sampled. CPU and memory are read at the close, so an instance that stopped
/// before it has them null; so has an instance the runtime cannot measure.
/// </summary>
internal sealed record InstanceMetricsPoint
{
    public required string FunctionName { get; init; }

    public required string InstanceId { get; init; }

    public required DateTimeOffset Start { get; init; }

    public required DateTimeOffset End { get; init; }

    public InstanceKind Kind { get; init; }

    public InstanceState State { get; init; }

    public int Slots { get; init; }

    /// <summary>Mean of its in-flight samples.</summary>
    public double InFlightAverage { get; init; }

    public int InFlightMax { get; init; }

    /// <summary>CPU time used ÷ (wall time × its CPU limit, 1 core when unset) since the previous reading.</summary>
    public double? CpuUtilization { get; init; }

    public long? MemoryBytes { get; init; }

    /// <summary>GPU memory its processes hold (nvidia-smi), bytes; null without nvidia-smi or for a CPU function.</summary>
    public long? GpuMemoryBytes { get; init; }
}

/// <summary>One function's interval as it closed: its point and its instances' points.</summary>
internal sealed record ClosedInterval(FunctionMetricsPoint Function, IReadOnlyList<InstanceMetricsPoint> Instances);
