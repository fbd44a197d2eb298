using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>What <c>simulate</c> was asked for, each option read into its type; paths as given, relative to the working directory.</summary>
internal sealed record SimulationInputs
{
    public string? Trace { get; init; }
    public TraceFormat? TraceFormat { get; init; }
    public bool SkipBadRows { get; init; }

    /// <summary><c>poisson</c>: generated traffic instead of a trace.</summary>
    public string? Synthetic { get; init; }
    public int? SyntheticFunctions { get; init; }
    public double? Rate { get; init; }
    public TimeSpan? Duration { get; init; }

    public string? Template { get; init; }
    public string? Function { get; init; }
    public string? Provision { get; init; }
    public int? Target { get; init; }

    public SimulationMode Mode { get; init; } = SimulationMode.IdleMode;
    public bool Compare { get; init; }
    public IReadOnlyList<string> Policies { get; init; } = [];

    public ServiceModel? ServiceModel { get; init; }
    public WorkloadPreset? Preset { get; init; }
    public TimeDistribution? ColdStart { get; init; }
    public TimeDistribution? Initialize { get; init; }
    public TimeDistribution? Thaw { get; init; }

    public TimeDistribution? RequestOverhead { get; init; }

    public string? Config { get; init; }
    public DateTimeOffset? Start { get; init; }
    public TimeSpan? MetricsInterval { get; init; }
    public int ScaleOutIntervals { get; init; } = 3;
    public int ScaleInIntervals { get; init; } = 15;
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan? TimelineStep { get; init; }
    public int Seed { get; init; } = 1;
}
