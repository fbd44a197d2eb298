using System.CommandLine;
using System.Text.Json.Nodes;
using Stasis.Cli.Output;

namespace Stasis.Cli.Commands;

internal static class RemoveCommand
{
    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var name = Arguments.FunctionName();
        var command = new Command("remove", "Delete a function and stop its instances") { name };
        command.Aliases.Add("rm");
        command.Aliases.Add("delete");
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var functionName = parse.GetValue(name)!;
            await ctx.Client.DeleteFunctionAsync(functionName, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                JsonWriter.Write(ctx.Out, new JsonObject { ["functionName"] = functionName, ["removed"] = true });
            }
            else
            {
                ctx.Out.WriteLine($"removed {functionName}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
