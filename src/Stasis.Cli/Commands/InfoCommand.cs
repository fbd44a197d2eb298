using System.CommandLine;
using Stasis.Cli.Output;

namespace Stasis.Cli.Commands;

internal static class InfoCommand
{
    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var name = Arguments.FunctionName();
        var command = new Command("info", "Show a function's spec, triggers and instance counts") { name };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var function = await ctx.Client.GetFunctionAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(function);
                return ExitCodes.Success;
            }

            TableWriter.Write(ctx.Console, FunctionViews.Properties(function, ctx.Now));
            if (function.Triggers.Count > 0)
            {
                ctx.Out.WriteLine();
                TableWriter.Write(ctx.Console, FunctionViews.Triggers(function));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
