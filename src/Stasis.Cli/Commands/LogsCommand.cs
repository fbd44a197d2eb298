using System.CommandLine;

namespace Stasis.Cli.Commands;

internal static class LogsCommand
{
    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var name = Arguments.FunctionName();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep streaming new lines until Ctrl-C" };
        var tail = new Option<int?>("--tail", "-n") { Description = "Show only the last N lines (server default when omitted)", HelpName = "N" };
        tail.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 0)
            {
                r.AddError("--tail must be 0 or more");
            }
        });
        var command = new Command("logs", "Print a function's logs (stdout and stderr of its instances)") { name, follow, tail };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var following = parse.GetValue(follow);
            try
            {
                // Log lines are text whatever --output says: they are the function's own output.
                await foreach (var line in ctx.Client.GetLogsAsync(parse.GetValue(name)!, parse.GetValue(tail), following, ct).ConfigureAwait(false))
                {
                    await ctx.Out.WriteLineAsync(line).ConfigureAwait(false);
                    await ctx.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (following && ct.IsCancellationRequested)
            {
                // Ctrl-C is how a follow ends.
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
