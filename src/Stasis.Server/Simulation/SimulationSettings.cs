using Stasis.Client.Model;

namespace Stasis.Server.Simulation;

/// <summary>How provisioned instances are kept in a run: the three ways the seed compares.</summary>
public enum SimulationMode
{
    /// <summary>The provision config as given, with idle mode on: provisioned instances are frozen when idle.</summary>
    IdleMode,
    /// <summary>The provision config as given, idle mode off: provisioned instances stay warm and billed active.</summary>
    AlwaysAllocated,
    /// <summary>No provisioned instance: every instance is started on demand and stopped when idle.</summary>
    OnDemand,
}

/// <summary>One request of a trace: when it arrives (from the run's start), which function, and how long it runs once on an instance.</summary>
public readonly record struct SimulatedRequest(TimeSpan At, int Function, double ServiceMs);

/// <summary>A function of the run: its spec (instanceConcurrency, maxInstances, schedulingPolicy, ...) and its provision config, if any.</summary>
public sealed record SimulatedFunction(FunctionSpec Spec, ProvisionConfigInput? Provision);

/// <summary>A duration drawn uniformly from [<paramref name="MinMs"/>, <paramref name="MaxMs"/>]; fixed when both are equal.</summary>
public sealed record TimeDistribution(double MinMs, double MaxMs)
{
    public static TimeDistribution Fixed(double ms) => new(ms, ms);

    public TimeSpan Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return TimeSpan.FromMilliseconds(MinMs >= MaxMs ? MinMs : MinMs + (random.NextDouble() * (MaxMs - MinMs)));
    }
}

/// <summary>Everything a simulated run needs. The run is deterministic for a given <see cref="Seed"/>.</summary>
public sealed record SimulationSettings
{
    public required IReadOnlyList<SimulatedFunction> Functions { get; init; }

    /// <summary>The requests in arrival order; called once per run, so a stream may be generated lazily.</summary>
    public required Func<IEnumerable<SimulatedRequest>> Requests { get; init; }

    public SimulationMode Mode { get; init; } = SimulationMode.IdleMode;

    /// <summary>Process start until the port is open.</summary>
    public TimeDistribution ColdStart { get; init; } = new(500, 1000);

    /// <summary>The initializer hook (<c>/initialize</c>); only for functions that have one.</summary>
    public TimeDistribution Initialize { get; init; } = TimeDistribution.Fixed(0);

    /// <summary>
    /// Time a request holds its slot beyond its service time: the HTTP hop to the instance and the
    /// function's own framework (about 1.3 ms for a small Python server on the real gateway; 0 by default).
    /// </summary>
    public TimeDistribution RequestOverhead { get; init; } = TimeDistribution.Fixed(0);

    /// <summary>Thawing a frozen instance.</summary>
    public TimeDistribution Thaw { get; init; } = TimeDistribution.Fixed(1);

    /// <summary>Virtual wall-clock time of the run's start: scheduled actions and policy windows are read against it.</summary>
    public DateTimeOffset Start { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public TimeSpan MetricsInterval { get; init; } = TimeSpan.FromSeconds(60);

    public int ScaleOutIntervals { get; init; } = 3;

    public int ScaleInIntervals { get; init; } = 15;

    /// <summary>On-demand instances idle this long are stopped (functions may override with idleTimeout).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public Prices Prices { get; init; } = new();

    /// <summary>Resolution of <see cref="SimulationResult.Timeline"/>.</summary>
    public TimeSpan TimelineStep { get; init; } = TimeSpan.FromSeconds(60);

    public int Seed { get; init; } = 1;
}
