using System.CommandLine;
using Stasis.Cli.Output;

namespace Stasis.Cli.Commands;

/// <summary><c>stasis metrics NAME [--since 1h] [--instances] [-o json]</c>: a function's metrics, one row per closed interval.</summary>
internal static class MetricsCommand
{
    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var name = Arguments.FunctionName();
        var since = new Option<string>("--since")
        {
            Description = "How far back: a duration (15m, 1h, 24h, 7d) or an ISO time (2026-01-31T08:00:00Z)",
            HelpName = "WHEN",
            DefaultValueFactory = _ => "1h",
        };
        var instances = new Option<bool>("--instances") { Description = "Also show each instance's figures per interval" };
        var command = new Command("metrics", "Show a function's metrics per interval: invocations, errors, latency, queue wait, in-flight, utilization, provisioned") { name, since, instances };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var functionName = parse.GetValue(name)!;
            var withInstances = parse.GetValue(instances);
            var report = await ctx.Client.GetMetricsAsync(functionName, parse.GetValue(since), withInstances, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(report);
                return ExitCodes.Success;
            }

            ctx.Out.WriteLine(MetricsViews.Heading(report));
            TableWriter.Write(ctx.Console, MetricsViews.Table(report), MetricsViews.Empty(report));
            if (withInstances && report.Points.Count > 0)
            {
                ctx.Out.WriteLine();
                TableWriter.Write(ctx.Console, MetricsViews.Instances(report), "no instances in these intervals");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
