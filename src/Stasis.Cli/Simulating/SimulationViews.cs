using System.Globalization;
using Stasis.Cli.Output;
using Stasis.Cli.Parsing;
using Stasis.Client.Model;
using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>
/// A simulation as the terminal shows it: what was simulated (every assumption a figure depends on) and one column of
/// figures per run, with the cost over always-allocated.
/// </summary>
internal static class SimulationViews
{
    public const string Figure = "FIGURE";

    public static PropertyList Heading(SimulationSetup setup)
    {
        var traffic = setup.Traffic;
        var settings = setup.Settings;
        var items = new List<KeyValuePair<string, string>>
        {
            new("traffic", TrafficLine(traffic)),
            new("service time", traffic.Model.Describe() + (traffic.ModelIsDefault && traffic.Model is not ServiceModel.Column ? " (default; --service-model)" : "")),
            new("cold start", Distributions.Format(settings.ColdStart) + (setup.Preset is { } preset
                ? $" (--preset {preset.Name}{(setup.PresetIsDefault ? ", the default" : "")}: {preset.Description})"
                : "")),
            new("initialize", Distributions.Format(settings.Initialize) + " (functions with an initializer)"),
            new("overhead", Distributions.Format(settings.RequestOverhead) + " per request (--request-overhead)"),
            new("thaw", Distributions.Format(settings.Thaw) + (setup.ThawIsDefault ? " (a CPU freezer; a GPU's takes seconds: --thaw)" : "")),
            new("functions", FunctionsLine(setup.Functions)),
            new("provision", ProvisionFile.Describe(setup.Functions.Functions.FirstOrDefault(f => f.Provision is not null)?.Provision)
                + (setup.ProvisionSource is { } source ? $" ({source})" : "")),
            new("autoscaling", $"metrics every {Durations.Format(settings.MetricsInterval)}, out after {settings.ScaleOutIntervals}, in after {settings.ScaleInIntervals} intervals; on-demand idle timeout {Durations.Format(settings.IdleTimeout)}"),
            new("prices", $"USD {Plain(settings.Prices.CuPriceUsd)} per CU ({setup.PricesSource})"),
            new("run", $"from {Time(settings.Start)}, timeline every {Durations.Format(settings.TimelineStep)}, seed {settings.Seed}"),
        };
        return new PropertyList(items);
    }

    public static TableData Table(IReadOnlyList<RunOutcome> runs)
    {
        var rows = new List<IReadOnlyList<string>>
        {
            Row("requests", runs, r => Count(r.Result.Requests)),
            Row("served", runs, r => Count(r.Result.Served)),
            Row("refused", runs, r => Count(r.Result.Refused)),
            Row("latency p50 ms", runs, r => Ms(r.Result.LatencyP50Ms)),
            Row("latency p90 ms", runs, r => Ms(r.Result.LatencyP90Ms)),
            Row("latency p99 ms", runs, r => Ms(r.Result.LatencyP99Ms)),
            Row("queue wait p50 ms", runs, r => Ms(r.Result.QueueWaitP50Ms)),
            Row("queue wait p90 ms", runs, r => Ms(r.Result.QueueWaitP90Ms)),
            Row("queue wait p99 ms", runs, r => Ms(r.Result.QueueWaitP99Ms)),
            Row("cold starts", runs, r => Count(r.Result.ColdStarts)),
            Row("thaws", runs, r => Count(r.Result.Thaws)),
            Row("instances started", runs, r => Count(r.Result.InstancesStarted)),
            Row("idle s", runs, r => Seconds(r.Result.IdleSeconds)),
            Row("active s", runs, r => Seconds(r.Result.ActiveSeconds)),
            Row("CU", runs, r => r.Result.Cu.ToString("0.###", CultureInfo.InvariantCulture)),
            Row("cost USD", runs, r => r.Result.Cost.ToString("0.000000", CultureInfo.InvariantCulture)),
            Row("cost vs always-allocated", runs, r => r.CostRatio is { } ratio ? Ratio(ratio) : Humanize.None),
            Row("simulated in", runs, r => $"{r.Result.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)}s"),
        };
        return new TableData([Figure, .. runs.Select(r => r.Spec.Label.ToUpperInvariant())], rows);
    }

    /// <summary><c>0.31x</c>: a cost over the always-allocated one.</summary>
    public static string Ratio(decimal ratio) => $"{ratio.ToString("0.00", CultureInfo.InvariantCulture)}x";

    public static string Ms(double ms) => double.IsFinite(ms)
        ? ms.ToString(ms < 10 ? "0.##" : ms < 100 ? "0.#" : "0", CultureInfo.InvariantCulture)
        : Humanize.None;

    private static IReadOnlyList<string> Row(string figure, IReadOnlyList<RunOutcome> runs, Func<RunOutcome, string> value) =>
        [figure, .. runs.Select(value)];

    private static string TrafficLine(Traffic traffic)
    {
        var count = traffic.Count is { } n ? $"{Count(n)} requests, " : "";
        var functions = traffic.Functions.Count == 1 ? "1 function" : $"{Count(traffic.Functions.Count)} functions";
        var line = $"{traffic.Source} ({traffic.Kind}): {count}{functions} over {Durations.Format(Round(traffic.Span))}";
        if (traffic.Start is { } start)
        {
            line += $" from {Time(start)}";
        }

        if (traffic.BadRows > 0)
        {
            line += $"; {Count(traffic.BadRows)} bad rows skipped";
        }

        return line;
    }

    private static string FunctionsLine(FunctionPlan plan)
    {
        var spec = plan.Functions[0].Spec;
        var gpu = spec.GpuConfig?.GpuMemorySize ?? spec.GpuMemorySize;
        var resources = $"instanceConcurrency {spec.InstanceConcurrency}, maxInstances {spec.EffectiveMaxInstances}, "
            + (spec.Cpu is { } cpu ? $"{cpu.ToString("0.##", CultureInfo.InvariantCulture)} vCPU, " : "")
            + $"{spec.MemorySize} MB"
            + (gpu is > 0 ? $", GPU {gpu} MB" : ", no GPU")
            + $", {spec.SchedulingPolicy ?? SchedulingPolicyNames.Default}";
        return plan.Functions.Count == 1 || plan.Remap is null ? $"{plan.Source}: {resources}" : plan.Source;
    }

    private static TimeSpan Round(TimeSpan span) => TimeSpan.FromSeconds(Math.Round(span.TotalSeconds));

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(double s) => s.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Plain(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
