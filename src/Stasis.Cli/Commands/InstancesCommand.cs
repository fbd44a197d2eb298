using System.CommandLine;
using Stasis.Cli.Output;

namespace Stasis.Cli.Commands;

internal static class InstancesCommand
{
    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var name = Arguments.FunctionName();
        var all = new Option<bool>("--all", "-a") { Description = "Include stopped and failed instances" };
        var command = new Command("instances", "List a function's instances with their load (in flight, queued, completed, busy time), and the function's queue") { name, all };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var functionName = parse.GetValue(name)!;
            var instances = await ctx.Client.ListInstancesAsync(functionName, parse.GetValue(all), ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(instances);
            }
            else
            {
                var function = await ctx.Client.GetFunctionAsync(functionName, ct).ConfigureAwait(false);
                TableWriter.Write(ctx.Console, InstanceViews.List(instances, ctx.Now, sessions: function.Sessions is not null), $"no {(parse.GetValue(all) ? "" : "live ")}instances of {functionName}");
                ctx.Out.WriteLine(InstanceViews.Scheduling(function));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
