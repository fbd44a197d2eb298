using System.CommandLine;
using Stasis.Cli.Output;
using Stasis.Cli.Parsing;
using Stasis.Client.Model;

namespace Stasis.Cli.Commands;

/// <summary>
/// <c>stasis provision put|get|list|remove</c>: FC's provision config, as <c>s provision</c> manages it. put and remove
/// wait until the provisioned instances match the target unless told not to.
/// </summary>
internal static class ProvisionCommand
{
    public const string Name = "provision";
    public const string Latest = "LATEST";

    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var command = new Command(Name, "Manage provisioned instances and idle mode (FC's provision config)")
        {
            Put(env, global),
            Get(env, global),
            List(env, global),
            Remove(env, global),
        };
        return command;
    }

    private static Option<string> Qualifier() => new("--qualifier")
    {
        Description = "Version or alias; Stasis functions have one, LATEST",
        HelpName = "QUALIFIER",
        DefaultValueFactory = _ => Latest,
    };

    private static Option<bool> NoWait() => new("--no-wait") { Description = "Return at once instead of waiting for the instances" };

    private static Command Put(CliEnvironment env, GlobalOptions global)
    {
        var name = Arguments.FunctionName();
        var qualifier = Qualifier();
        var target = new Option<int?>("--target", "--default-target") { Description = "Provisioned instances to keep (0–10000)", HelpName = "N" };
        var cpu = new Option<string?>("--always-allocate-cpu", "--alwaysAllocateCPU")
        {
            Description = "false turns idle mode on for a CPU function: a provisioned instance with no request is frozen",
            HelpName = "true|false",
        };
        var gpu = new Option<string?>("--always-allocate-gpu", "--alwaysAllocateGPU")
        {
            Description = "false turns idle mode on for a GPU function",
            HelpName = "true|false",
        };
        var tracking = new Option<string?>("--targetTrackingPolicies", "--target-tracking-policies")
        {
            Description = "JSON file of FC target tracking policies: an array, or {\"targetTrackingPolicies\": [...]}",
            HelpName = "FILE",
        };
        var scheduled = new Option<string?>("--scheduledActions", "--scheduled-actions")
        {
            Description = "JSON file of FC scheduled actions: an array, or {\"scheduledActions\": [...]}",
            HelpName = "FILE",
        };
        var noWait = NoWait();
        var command = new Command("put", "Set a function's provision config and wait until its provisioned instances are ready")
        {
            name, target, qualifier, cpu, gpu, tracking, scheduled, noWait,
        };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var input = new ProvisionConfigInput
            {
                DefaultTarget = parse.GetValue(target),
                AlwaysAllocateCPU = ProvisionInputs.ParseBool(parse.GetValue(cpu), "--always-allocate-cpu"),
                AlwaysAllocateGPU = ProvisionInputs.ParseBool(parse.GetValue(gpu), "--always-allocate-gpu"),
                TargetTrackingPolicies = ProvisionInputs.ReadList(parse.GetValue(tracking), ProvisionInputs.TargetTrackingPolicies),
                ScheduledActions = ProvisionInputs.ReadList(parse.GetValue(scheduled), ProvisionInputs.ScheduledActions),
            };
            if (input == new ProvisionConfigInput())
            {
                throw new UsageException("nothing to set: give --target N and/or --always-allocate-cpu, --always-allocate-gpu, --targetTrackingPolicies, --scheduledActions");
            }

            var functionName = parse.GetValue(name)!;
            var q = parse.GetValue(qualifier) ?? Latest;
            var info = await ctx.Client.PutProvisionAsync(functionName, input, q, ct).ConfigureAwait(false);
            foreach (var notice in info.Notices)
            {
                ctx.Messages.Warning(notice);
            }

            return await FinishAsync(ctx, info, q, draining: false, parse.GetValue(noWait), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Get(CliEnvironment env, GlobalOptions global)
    {
        var name = Arguments.FunctionName();
        var qualifier = Qualifier();
        var history = new Option<bool>("--history") { Description = "Show the autoscaler's decisions (target, metrics, reason) instead" };
        var limit = new Option<int>("--limit")
        {
            Description = "With --history: how many decisions, newest (1–1000)",
            HelpName = "N",
            DefaultValueFactory = _ => 20,
        };
        var command = new Command("get", "Show a function's provision config and its provisioned instances") { name, qualifier, history, limit };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var functionName = parse.GetValue(name)!;
            if (parse.GetValue(history))
            {
                var count = parse.GetValue(limit);
                if (count is < 1 or > 1000)
                {
                    throw new UsageException($"--limit must be from 1 to 1000, not {count}");
                }

                var decisions = await ctx.Client.GetProvisionHistoryAsync(functionName, count, ct).ConfigureAwait(false);
                if (ctx.Json)
                {
                    ctx.WriteJson(decisions);
                }
                else
                {
                    TableWriter.Write(ctx.Console, ProvisionViews.History(decisions), $"no autoscaling decisions for {functionName} yet");
                }

                return ExitCodes.Success;
            }

            var info = await ctx.Client.GetProvisionAsync(functionName, parse.GetValue(qualifier) ?? Latest, ct).ConfigureAwait(false);
            Write(ctx, info);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CliEnvironment env, GlobalOptions global)
    {
        var wide = new Option<bool>("--wide") { Description = "All the columns of s provision list: qualifier, resource, both always-allocate switches, policies and actions apart" };
        var command = new Command("list", "List the functions with provisioned instances") { wide };
        command.Aliases.Add("ls");
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var provisions = await ctx.Client.ListProvisionsAsync(ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(provisions);
            }
            else
            {
                TableWriter.Write(ctx.Console, parse.GetValue(wide) ? ProvisionViews.Wide(provisions) : ProvisionViews.List(provisions), "no provisioned functions");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove(CliEnvironment env, GlobalOptions global)
    {
        var name = Arguments.FunctionName();
        var qualifier = Qualifier();
        var noWait = NoWait();
        var command = new Command("remove", "Set a function's provision target to 0 and wait until its provisioned instances are gone") { name, qualifier, noWait };
        command.Aliases.Add("rm");
        command.Aliases.Add("delete");
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var q = parse.GetValue(qualifier) ?? Latest;
            var info = await ctx.Client.RemoveProvisionAsync(parse.GetValue(name)!, q, ct).ConfigureAwait(false);
            return await FinishAsync(ctx, info, q, draining: true, parse.GetValue(noWait), ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Waits (unless told not to), prints the last answer, and says why the wait failed if it did.</summary>
    private static async Task<int> FinishAsync(CommandContext ctx, ProvisionInfo info, string qualifier, bool draining, bool noWait, CancellationToken ct)
    {
        if (noWait)
        {
            Write(ctx, info);
            return ExitCodes.Success;
        }

        var (latest, verdict, timedOut) = await ProvisionWait.RunAsync(ctx, info, qualifier, draining, ct).ConfigureAwait(false);
        Write(ctx, latest);
        if (verdict == ProvisionWait.Verdict.Done)
        {
            return ExitCodes.Success;
        }

        var fn = latest.FunctionName;
        ctx.Messages.Error(timedOut
            ? draining
                ? $"{fn}: {latest.Current} provisioned instance(s) still draining after {Durations.Format(ProvisionWait.Bound)}; see `stasis instances {fn}`"
                : $"{fn}: {latest.Current}/{latest.Target} provisioned instances ready after {Durations.Format(ProvisionWait.Bound)}; the server keeps trying: see `stasis provision get {fn}` and `stasis logs {fn}`"
            : $"{fn}: provisioned instances fail to start: {latest.CurrentError} ({latest.Current}/{latest.Target} ready); the server keeps retrying: see `stasis logs {fn}`");
        return ExitCodes.Failure;
    }

    private static void Write(CommandContext ctx, ProvisionInfo info)
    {
        if (ctx.Json)
        {
            ctx.WriteJson(info);
        }
        else
        {
            TableWriter.Write(ctx.Console, ProvisionViews.Properties(info));
        }
    }
}
