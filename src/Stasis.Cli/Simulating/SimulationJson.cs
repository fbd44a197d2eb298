using Stasis.Client.Model;
using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary><c>simulate --output json</c>: what was simulated, every figure of every run, and each run's timeline. Times in seconds, latencies in ms.</summary>
internal sealed record SimulationJson(
    SimulationJson.TrafficPart Traffic,
    SimulationJson.AssumptionsPart Assumptions,
    IReadOnlyList<SimulationJson.RunPart> Runs,
    string? Chart)
{
    public sealed record TrafficPart(
        string Source,
        string Kind,
        long? Requests,
        int Functions,
        double SpanSeconds,
        DateTimeOffset? TraceStart,
        int BadRowsSkipped,
        int OutOfOrderRows);

    public sealed record AssumptionsPart(
        string ServiceModel,
        string? Preset,
        Distribution ColdStart,
        Distribution Initialize,
        Distribution Thaw,
        string Functions,
        int InstanceConcurrency,
        int MaxInstances,
        ProvisionConfigInput? Provision,
        string? ProvisionSource,
        Prices Prices,
        string PricesSource,
        DateTimeOffset Start,
        double MetricsIntervalSeconds,
        int ScaleOutIntervals,
        int ScaleInIntervals,
        double IdleTimeoutSeconds,
        double TimelineStepSeconds,
        int Seed);

    public sealed record Distribution(double MinMs, double MaxMs);

    /// <summary>Null where the run had nothing to measure (no request served).</summary>
    public sealed record Percentiles(double? P50, double? P90, double? P99);

    public sealed record RunPart(
        string Label,
        string Mode,
        string? SchedulingPolicy,
        long Requests,
        long Served,
        long Refused,
        Percentiles LatencyMs,
        Percentiles QueueWaitMs,
        long ColdStarts,
        long Thaws,
        long InstancesStarted,
        double IdleSeconds,
        double ActiveSeconds,
        decimal Cu,
        decimal Cost,
        decimal? CostVsAlwaysAllocated,
        double SpanSeconds,
        double ElapsedSeconds,
        IReadOnlyList<Point> Timeline);

    public sealed record Point(
        double AtSeconds,
        long Arrivals,
        double? LatencyP90Ms,
        int Starting,
        int Warm,
        int Busy,
        int Frozen,
        int ProvisionedTarget,
        int ProvisionedCurrent);

    public static SimulationJson From(SimulationSetup setup, IReadOnlyList<RunOutcome> runs, string? chart)
    {
        var traffic = setup.Traffic;
        var settings = setup.Settings;
        var first = setup.Functions.Functions[0];
        return new SimulationJson(
            new TrafficPart(traffic.Source, traffic.Kind, traffic.Count ?? runs.FirstOrDefault()?.Result.Requests, traffic.Functions.Count,
                traffic.Span.TotalSeconds, traffic.Start, traffic.BadRows, traffic.OutOfOrderRows),
            new AssumptionsPart(
                traffic.Model.Describe(),
                setup.Preset?.Name,
                Of(settings.ColdStart),
                Of(settings.Initialize),
                Of(settings.Thaw),
                setup.Functions.Source,
                first.Spec.InstanceConcurrency,
                first.Spec.EffectiveMaxInstances,
                setup.Functions.Functions.FirstOrDefault(f => f.Provision is not null)?.Provision,
                setup.ProvisionSource,
                settings.Prices,
                setup.PricesSource,
                settings.Start,
                settings.MetricsInterval.TotalSeconds,
                settings.ScaleOutIntervals,
                settings.ScaleInIntervals,
                settings.IdleTimeout.TotalSeconds,
                settings.TimelineStep.TotalSeconds,
                settings.Seed),
            runs.Select(Run).ToList(),
            chart);
    }

    private static RunPart Run(RunOutcome outcome)
    {
        var r = outcome.Result;
        return new RunPart(
            outcome.Spec.Label,
            RunPlan.Name(outcome.Spec.Mode),
            outcome.Spec.Policy,
            r.Requests,
            r.Served,
            r.Refused,
            new Percentiles(Finite(r.LatencyP50Ms), Finite(r.LatencyP90Ms), Finite(r.LatencyP99Ms)),
            new Percentiles(Finite(r.QueueWaitP50Ms), Finite(r.QueueWaitP90Ms), Finite(r.QueueWaitP99Ms)),
            r.ColdStarts,
            r.Thaws,
            r.InstancesStarted,
            r.IdleSeconds,
            r.ActiveSeconds,
            r.Cu,
            r.Cost,
            outcome.CostRatio,
            r.Span.TotalSeconds,
            r.Elapsed.TotalSeconds,
            r.Timeline.Select(p => new Point(p.At.TotalSeconds, p.Arrivals, p.LatencyP90Ms is { } l ? Finite(l) : null, p.Starting, p.Warm, p.Busy, p.Frozen, p.ProvisionedTarget, p.ProvisionedCurrent)).ToList());
    }

    private static Distribution Of(TimeDistribution d) => new(d.MinMs, d.MaxMs);

    /// <summary>JSON has no NaN or infinity: a percentile of nothing is null.</summary>
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
