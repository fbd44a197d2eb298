using System.Globalization;
using Stasis.Cli.Deploying;
using Stasis.Client.Model;
using Stasis.Server.Autoscaling;
using Stasis.Server.Hosting;
using Stasis.Server.Metrics;
using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>
/// Turns what <c>simulate</c> was asked for into a <see cref="SimulationSetup"/>: reads the trace (or sets up the
/// generator), the s.yaml, the provision config and the prices, and says what the user should know before trusting the
/// figures (rows skipped or sorted, no provisioned instance, a policy whose window misses the run).
/// </summary>
internal static class SimulationSetupBuilder
{
    public const string DefaultPoissonDuration = "1h";

    /// <summary>Beyond this many functions a synthetic run is refused: each costs a dispatcher.</summary>
    public const int MaxSyntheticFunctions = 100_000;

    public static SimulationSetup Build(SimulationInputs inputs, Func<string, string> resolve, Func<string, string?> variables, List<string> warnings)
    {
        var traffic = ReadTraffic(inputs, resolve, warnings, out var trace);
        // Named as given, so that the output reads as the command line did.
        var template = inputs.Template is { } t ? TemplateLoader.Load(resolve(t), variables, requireRunnable: false) with { Path = t } : null;
        if (template is not null)
        {
            warnings.AddRange(template.Warnings);
            warnings.AddRange(template.Resources.SelectMany(r => r.Warnings));
        }

        var provision = inputs.Provision is { } p ? ProvisionFile.Read(resolve(p)) : null;
        var plan = SimulationFunctions.Build(template, inputs.Function, traffic.Functions, traffic.NamesFunctions, provision, inputs.Target);
        traffic = Remap(traffic, trace, plan.Remap);

        var (prices, interval, pricesSource) = Prices(inputs, resolve);
        var start = inputs.Start ?? traffic.Start ?? new SimulationSettings { Functions = [], Requests = () => [] }.Start;
        var settings = new SimulationSettings
        {
            Functions = plan.Functions,
            Requests = traffic.Requests,
            Mode = inputs.Mode,
            ColdStart = inputs.ColdStart ?? (inputs.Preset ?? WorkloadPreset.Default).ColdStart,
            Initialize = inputs.Initialize ?? WorkloadPreset.DefaultInitialize,
            Thaw = inputs.Thaw ?? WorkloadPreset.DefaultThaw,
            RequestOverhead = inputs.RequestOverhead ?? TimeDistribution.Fixed(0),
            Start = start,
            MetricsInterval = interval,
            ScaleOutIntervals = inputs.ScaleOutIntervals,
            ScaleInIntervals = inputs.ScaleInIntervals,
            IdleTimeout = inputs.IdleTimeout,
            Prices = prices,
            TimelineStep = inputs.TimelineStep ?? TimelineSteps.For(traffic.Span),
            Seed = inputs.Seed,
        };

        var provisionSource = inputs.Provision
            ?? (inputs.Target is not null ? "--target" : plan.Functions.Any(f => f.Provision is not null) ? "s.yaml provisionConfig" : null);
        var runs = RunPlan.Build(inputs.Mode, inputs.Compare, inputs.Policies);
        WarnAboutProvision(plan, runs, provisionSource, start, traffic.Span, warnings);
        var preset = inputs.ColdStart is null ? inputs.Preset ?? WorkloadPreset.Default : null;
        if (inputs.ColdStart is not null && inputs.Preset is not null)
        {
            warnings.Add($"--cold-start overrides the cold start of --preset {inputs.Preset.Name}");
        }

        return new SimulationSetup(traffic, plan, settings, runs, preset, pricesSource, provisionSource,
            PresetIsDefault: preset is not null && inputs.Preset is null, ThawIsDefault: inputs.Thaw is null);
    }

    private static Traffic ReadTraffic(SimulationInputs inputs, Func<string, string> resolve, List<string> warnings, out Trace? trace)
    {
        trace = null;
        if (inputs.Trace is not null && inputs.Synthetic is not null)
        {
            throw new UsageException("give either --trace FILE or --synthetic poisson, not both");
        }

        if (inputs.Synthetic is null)
        {
            var generatorOption = inputs.Rate is not null ? "--rate" : inputs.SyntheticFunctions is not null ? "--functions" : inputs.Duration is not null ? "--duration" : null;
            if (generatorOption is not null)
            {
                throw new UsageException($"{generatorOption} sets up synthetic traffic; it goes with --synthetic poisson");
            }

            if (inputs.Trace is null)
            {
                throw new UsageException("nothing to replay: give --trace FILE (Azure LLM, Azure Functions or timestamp,function,service_ms CSV) or --synthetic poisson --rate R");
            }

            trace = TraceReader.Read(resolve(inputs.Trace), inputs.TraceFormat, inputs.ServiceModel, inputs.SkipBadRows, inputs.Trace);
            if (trace.BadRows > 0)
            {
                warnings.Add($"skipped {trace.BadRows} bad row{(trace.BadRows == 1 ? "" : "s")} of {inputs.Trace}; the first: {trace.FirstBadRow}");
            }

            if (trace.OutOfOrderRows > 0)
            {
                warnings.Add($"{inputs.Trace}: {trace.OutOfOrderRows} row{(trace.OutOfOrderRows == 1 ? " is" : "s are")} out of time order; the requests were sorted by arrival");
            }

            if (trace.Span > TimeSpan.FromDays(7))
            {
                warnings.Add($"{inputs.Trace} spans {trace.Span.TotalDays.ToString("0.#", CultureInfo.InvariantCulture)} days; are its timestamps in seconds?");
            }

            return Traffic.FromTrace(trace, trace.Requests, inputs.ServiceModel is null);
        }

        if (!string.Equals(inputs.Synthetic.Trim(), "poisson", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"--synthetic '{inputs.Synthetic}' is not a kind of traffic; use poisson");
        }

        if (inputs.TraceFormat is not null || inputs.SkipBadRows)
        {
            throw new UsageException($"{(inputs.TraceFormat is not null ? "--trace-format" : "--skip-bad-rows")} is about a trace file; it does not go with --synthetic");
        }

        var rate = inputs.Rate ?? throw new UsageException("--synthetic poisson needs --rate R, the requests per second of each function");
        if (!double.IsFinite(rate) || rate <= 0)
        {
            throw new UsageException($"--rate must be a positive number of requests per second, not {rate.ToString(CultureInfo.InvariantCulture)}");
        }

        var functions = inputs.SyntheticFunctions ?? 1;
        if (functions is < 1 or > MaxSyntheticFunctions)
        {
            throw new UsageException($"--functions must be from 1 to {MaxSyntheticFunctions}, not {functions}");
        }

        var duration = inputs.Duration ?? TimeSpan.FromHours(1);
        if (duration <= TimeSpan.Zero)
        {
            throw new UsageException("--duration must be longer than 0");
        }

        var service = inputs.ServiceModel switch
        {
            null => ServiceModel.SyntheticDefault,
            ServiceModel.Fixed f => f,
            _ => throw new UsageException("--synthetic traffic has no service-time column and no tokens: use --service-model fixed:MS"),
        };
        return Traffic.FromPoisson(new PoissonTraffic(functions, rate, duration, service.Ms, inputs.Seed), inputs.ServiceModel is null);
    }

    /// <summary>The traffic with each request's function mapped onto the s.yaml's, when their order differs.</summary>
    private static Traffic Remap(Traffic traffic, Trace? trace, int[]? remap)
    {
        if (remap is null)
        {
            return traffic;
        }

        if (trace is not null)
        {
            var requests = SimulationFunctions.Apply(trace.Requests, remap);
            return traffic with { Requests = () => requests };
        }

        var generate = traffic.Requests;
        return traffic with { Requests = () => generate().Select(r => r with { Function = remap[r.Function] }) };
    }

    /// <summary>The prices and metrics interval: <c>--config</c> read as <c>server --config</c> reads it, <c>--metrics-interval</c> over it.</summary>
    private static (Prices Prices, TimeSpan Interval, string Source) Prices(SimulationInputs inputs, Func<string, string> resolve)
    {
        if (inputs.Config is null)
        {
            return (new Prices(), inputs.MetricsInterval ?? MetricsIntervals.Default, "FC's defaults; --config FILE to change");
        }

        try
        {
            var options = ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = resolve(inputs.Config), MetricsInterval = inputs.MetricsInterval });
            return (options.Prices, options.EffectiveMetricsInterval, inputs.Config);
        }
        catch (StasisConfigException e)
        {
            throw new CliException(e.Message, ExitCodes.Failure, e);
        }
    }

    private static void WarnAboutProvision(FunctionPlan plan, IReadOnlyList<RunSpec> runs, string? source, DateTimeOffset start, TimeSpan span, List<string> warnings)
    {
        var provisions = plan.Functions.Select(f => f.Provision).Where(p => p is not null).Distinct().ToList();
        var keepsInstances = provisions.Any(p => p!.EffectiveTarget is > 0 || p.TargetTrackingPolicies is { Count: > 0 } || p.ScheduledActions is { Count: > 0 });
        if (!keepsInstances && runs.Any(r => r.Mode != SimulationMode.OnDemand))
        {
            warnings.Add("no provisioned instances (no --provision, --target or provisionConfig): always-allocated and idle mode run like on-demand; give --target N or --provision FILE");
        }

        var end = start + span;
        foreach (var provision in provisions)
        {
            if (!ScalingPolicyParser.TryParse(provision!.TargetTrackingPolicies, provision.ScheduledActions, out var policies, out _))
            {
                continue;
            }

            var outside = policies.TargetTracking.Where(t => !Overlaps(t.StartTime, t.EndTime, start, end)).Select(t => (t.Key, t.StartTime, t.EndTime))
                .Concat(policies.ScheduledActions.Where(a => !Overlaps(a.StartTime, a.EndTime, start, end)).Select(a => (a.Key, a.StartTime, a.EndTime)));
            foreach (var (key, from, to) in outside)
            {
                warnings.Add($"{source ?? "provision"}: {key} applies from {Time(from)} to {Time(to)}, outside the run ({Time(start)} to {Time(end)}), so it never acts; "
                    + "set --start inside its window, or remove its startTime and endTime");
            }
        }
    }

    private static bool Overlaps(DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset start, DateTimeOffset end) =>
        (from is null || from < end) && (to is null || to > start);

    private static string Time(DateTimeOffset? t) =>
        t is { } time ? time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";
}
