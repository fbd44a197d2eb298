using System.CommandLine;
using System.Globalization;
using Stasis.Cli.Output;
using Stasis.Cli.Parsing;
using Stasis.Cli.Simulating;

namespace Stasis.Cli.Commands;

/// <summary>
/// <c>stasis simulate --trace FILE [-t s.yaml] [--provision provision.json] [--compare]</c>: replays a trace (or
/// synthetic Poisson traffic) against the server's own dispatcher, autoscaler and meter in virtual time, and prints
/// latency, cold starts, thaws and the bill, one column per mode or placement policy, with a chart.
/// </summary>
internal static class SimulateCommand
{
    public const string Name = "simulate";
    public const string DefaultChart = "simulate-chart.svg";

    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var trace = new Option<string?>("--trace") { Description = "CSV trace to replay: Azure LLM (TIMESTAMP,ContextTokens,GeneratedTokens), Azure Functions (app,func,end_timestamp,duration) or timestamp,function,service_ms", HelpName = "FILE" };
        var traceFormat = new Option<string?>("--trace-format") { Description = "The trace's format when its header does not say [default: from the header]", HelpName = "azure-llm|azure-functions|plain" };
        var skipBadRows = new Option<bool>("--skip-bad-rows") { Description = "Skip rows that do not parse, and count them, instead of stopping at the first" };
        var synthetic = new Option<string?>("--synthetic") { Description = "Generate traffic instead of reading a trace: each function an independent Poisson stream", HelpName = "poisson" };
        var functions = new Option<int?>("--functions") { Description = "With --synthetic: how many functions [default: 1]", HelpName = "N" };
        var rate = new Option<string?>("--rate") { Description = "With --synthetic: requests per second of each function", HelpName = "R" };
        var duration = new Option<string?>("--duration") { Description = $"With --synthetic: how long the traffic lasts [default: {SimulationSetupBuilder.DefaultPoissonDuration}]", HelpName = "DURATION" };
        var template = new Option<string?>("--template", "-t") { Description = "The s.yaml whose fc3 functions take the traffic [default: Stasis' defaults, no GPU]", HelpName = "FILE" };
        var function = new Option<string?>("--function") { Description = "Run every function of the trace with this function of the s.yaml", HelpName = "NAME" };
        var provision = new Option<string?>("--provision") { Description = "FC's provision config (provision.json): defaultTarget, targetTrackingPolicies, scheduledActions [default: the s.yaml's provisionConfig]", HelpName = "FILE" };
        var target = new Option<int?>("--target", "--default-target") { Description = "Provisioned instances of each function (sets defaultTarget)", HelpName = "N" };
        var mode = new Option<string>("--mode") { Description = "How provisioned instances are kept", HelpName = "idle|always|on-demand", DefaultValueFactory = _ => "idle" };
        var compare = new Option<bool>("--compare") { Description = "Run the three modes (always-allocated, idle, on-demand) and show them side by side with the cost ratio" };
        var policies = new Option<string?>("--policies") { Description = "Also run each placement policy, in --mode: jiq, lo, p2c, random, rr or their full names", HelpName = "LIST" };
        var serviceModel = new Option<string?>("--service-model") { Description = "Service time: column, fixed:MS, or linear:A,B,C = A ms + B ms × context tokens + C ms × generated tokens [default: linear:100,0.2,20 for the LLM trace, column for the others, fixed:100 for --synthetic]", HelpName = "MODEL" };
        var preset = new Option<string?>("--preset") { Description = "Cold start from the seed's activation times: nlp and ocr 0.5–1 s, sd 2 s, llm 3 s [default: nlp]", HelpName = "nlp|ocr|sd|llm" };
        var coldStart = new Option<string?>("--cold-start") { Description = "Instance start to ready: a duration or a uniform range (2s, 500ms..1s); overrides --preset", HelpName = "DURATION" };
        var initialize = new Option<string?>("--initialize") { Description = "The initializer hook's time, for functions that have one [default: 0]", HelpName = "DURATION" };
        var thaw = new Option<string?>("--thaw") { Description = "Thawing a frozen instance [default: 1ms, a CPU freezer; a GPU takes seconds, e.g. --thaw 3s]", HelpName = "DURATION" };
        var overhead = new Option<string?>("--request-overhead") { Description = "Time each request holds its slot beyond its service time (HTTP to the instance, the function's framework) [default: 0]", HelpName = "DURATION" };
        var config = new Option<string?>("--config") { Description = "Server config file for the prices (and metrics interval), as server --config reads it", HelpName = "FILE" };
        var start = new Option<string?>("--start") { Description = "Wall-clock time of the run's start, for scheduled actions and policy windows [default: the trace's first timestamp, else 2026-01-01T00:00:00Z]", HelpName = "TIME" };
        var metricsInterval = new Option<string?>("--metrics-interval") { Description = "Metrics interval of target tracking, 1s to 1h [default: 60s]", HelpName = "DURATION" };
        var scaleOut = new Option<int>("--scale-out-intervals") { Description = "Intervals over target before a scale-out (1–1000)", HelpName = "N", DefaultValueFactory = _ => 3 };
        var scaleIn = new Option<int>("--scale-in-intervals") { Description = "Intervals under target before a scale-in (1–1000)", HelpName = "N", DefaultValueFactory = _ => 15 };
        var idleTimeout = new Option<string>("--idle-timeout") { Description = "Stop an on-demand instance after this long idle", HelpName = "DURATION", DefaultValueFactory = _ => "5m" };
        var timelineStep = new Option<string?>("--timeline-step") { Description = "Resolution of the timeline and chart [default: a round step giving about 120 points]", HelpName = "DURATION" };
        var seed = new Option<int>("--seed") { Description = "Seed of every random draw (cold starts, synthetic arrivals); the same seed gives the same run", HelpName = "N", DefaultValueFactory = _ => 1 };
        var chart = new Option<string?>("--chart") { Description = $"Where to draw the chart of load, instances and latency (.svg or .png) [default: {DefaultChart}]", HelpName = "FILE" };
        var noChart = new Option<bool>("--no-chart") { Description = "Draw no chart" };

        var command = new Command(Name, "Replay a traffic trace against Stasis' scheduling, autoscaling and billing in virtual time: latency, cold starts and the bill, before deploying")
        {
            trace, traceFormat, skipBadRows, synthetic, functions, rate, duration, template, function, provision, target, mode, compare, policies,
            serviceModel, preset, coldStart, initialize, thaw, overhead, config, start, metricsInterval, scaleOut, scaleIn, idleTimeout, timelineStep, seed, chart, noChart,
        };
        CommandAction.Set(command, env, global, (ctx, parse, ct) =>
        {
            var inputs = new SimulationInputs
            {
                Trace = parse.GetValue(trace),
                TraceFormat = parse.GetValue(traceFormat) is { } f ? TraceFormats.Parse(f) : null,
                SkipBadRows = parse.GetValue(skipBadRows),
                Synthetic = parse.GetValue(synthetic),
                SyntheticFunctions = parse.GetValue(functions),
                Rate = parse.GetValue(rate) is { } r ? Rate(r) : null,
                Duration = parse.GetValue(duration) is { } d ? Duration(d, "--duration") : null,
                Template = parse.GetValue(template),
                Function = parse.GetValue(function),
                Provision = parse.GetValue(provision),
                Target = parse.GetValue(target),
                Mode = RunPlan.ParseMode(parse.GetValue(mode) ?? "idle"),
                Compare = parse.GetValue(compare),
                Policies = RunPlan.ParsePolicies(parse.GetValue(policies)),
                ServiceModel = parse.GetValue(serviceModel) is { } m ? ServiceModel.Parse(m) : null,
                Preset = parse.GetValue(preset) is { } p ? WorkloadPreset.Find(p) : null,
                ColdStart = parse.GetValue(coldStart) is { } c ? Distributions.Parse(c, "--cold-start") : null,
                Initialize = parse.GetValue(initialize) is { } i ? Distributions.Parse(i, "--initialize") : null,
                Thaw = parse.GetValue(thaw) is { } t ? Distributions.Parse(t, "--thaw") : null,
                RequestOverhead = parse.GetValue(overhead) is { } o ? Distributions.Parse(o, "--request-overhead") : null,
                Config = parse.GetValue(config),
                Start = parse.GetValue(start) is { } s ? Start(s, ctx.Now) : null,
                MetricsInterval = parse.GetValue(metricsInterval) is { } mi ? Interval(mi) : null,
                ScaleOutIntervals = Intervals(parse.GetValue(scaleOut), "--scale-out-intervals"),
                ScaleInIntervals = Intervals(parse.GetValue(scaleIn), "--scale-in-intervals"),
                IdleTimeout = Duration(parse.GetValue(idleTimeout) ?? "5m", "--idle-timeout"),
                TimelineStep = parse.GetValue(timelineStep) is { } ts ? Step(ts) : null,
                Seed = parse.GetValue(seed),
            };

            var chartPath = parse.GetValue(noChart) ? null : Resolve(env, parse.GetValue(chart) ?? DefaultChart);
            if (chartPath is not null)
            {
                if (!SimulationChart.IsChartFile(chartPath))
                {
                    throw new UsageException($"--chart '{parse.GetValue(chart)}' must end in .svg or .png");
                }

                SimulationChart.CheckWritable(chartPath);
            }

            var warnings = new List<string>();
            var setup = SimulationSetupBuilder.Build(inputs, path => Resolve(env, path), env.GetVariable, warnings);
            foreach (var warning in warnings)
            {
                ctx.Messages.Warning(warning);
            }

            var engine = env.SimulationEngine ?? ServerSimulationEngine.Instance;
            var outcomes = SimulationRunner.Run(engine, setup, run =>
            {
                if (env.ErrorIsTerminal)
                {
                    ctx.Messages.Note($"simulating {run.Label}...");
                }
            }, ct);

            if (chartPath is not null)
            {
                SimulationChart.Write(chartPath, outcomes, Path.GetFileName(setup.Traffic.Source));
            }

            if (ctx.Json)
            {
                ctx.WriteJson(SimulationJson.From(setup, outcomes, chartPath));
            }
            else
            {
                TableWriter.Write(ctx.Console, SimulationViews.Heading(setup));
                ctx.Out.WriteLine();
                TableWriter.Write(ctx.Console, SimulationViews.Table(outcomes));
                if (chartPath is not null)
                {
                    ctx.Out.WriteLine();
                    ctx.Out.WriteLine($"chart: {chartPath}");
                }
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static string Resolve(CliEnvironment env, string path) => Path.GetFullPath(path, env.CurrentDirectory());

    private static double Rate(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value > 0
            ? value
            : throw new UsageException($"--rate '{text}' is not a positive number of requests per second");

    private static TimeSpan Duration(string text, string option)
    {
        if (text.TrimStart().StartsWith('-'))
        {
            throw new UsageException($"{option} '{text}': a duration cannot be negative");
        }

        return Durations.TryParse(text, out var value) && value > TimeSpan.Zero
            ? value
            : throw new UsageException($"{option} '{text}' is not a duration like 300ms, 30s, 5m or 1h");
    }

    private static TimeSpan Interval(string text)
    {
        var value = Duration(text, "--metrics-interval");
        return value >= TimeSpan.FromSeconds(1) && value <= TimeSpan.FromHours(1)
            ? value
            : throw new UsageException($"--metrics-interval '{text}' must be from 1s to 1h");
    }

    private static TimeSpan Step(string text)
    {
        var value = Duration(text, "--timeline-step");
        return value >= TimeSpan.FromSeconds(1) ? value : throw new UsageException($"--timeline-step '{text}' must be at least 1s");
    }

    private static int Intervals(int value, string option) =>
        value is >= 1 and <= 1000 ? value : throw new UsageException($"{option} must be from 1 to 1000, not {value}");

    private static DateTimeOffset Start(string text, DateTimeOffset now) =>
        Instants.TryParse(text, now, out var value)
            ? value
            : throw new UsageException($"--start '{text}' is not a time: use ISO 8601, e.g. 2024-07-10T08:00:00Z");
}
