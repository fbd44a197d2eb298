using System.CommandLine;
using Stasis.Cli.Output;

namespace Stasis.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var command = new Command("status", "Show the server's version, listen address, data directory and runtime");
        CommandAction.Set(command, env, global, async (ctx, _, ct) =>
        {
            var status = await ctx.Client.GetStatusAsync(ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(status);
            }
            else
            {
                TableWriter.Write(ctx.Console, StatusView.Properties(status, ctx.Client.Endpoint));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
