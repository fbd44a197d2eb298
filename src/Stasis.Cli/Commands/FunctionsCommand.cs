using System.CommandLine;
using Stasis.Cli.Output;

namespace Stasis.Cli.Commands;

internal static class FunctionsCommand
{
    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var command = new Command("functions", "List deployed functions");
        command.Aliases.Add("ls");
        CommandAction.Set(command, env, global, async (ctx, _, ct) =>
        {
            var functions = await ctx.Client.ListFunctionsAsync(ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(functions);
            }
            else
            {
                TableWriter.Write(ctx.Console, FunctionViews.List(functions, ctx.Now), "no functions deployed (deploy one with `stasis deploy -t s.yaml`)");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
