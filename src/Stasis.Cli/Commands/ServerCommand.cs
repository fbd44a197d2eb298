using System.CommandLine;
using Stasis.Cli.Hosting;

namespace Stasis.Cli.Commands;

internal static class ServerCommand
{
    public const string Name = "server";

    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var options = new ServerOptions();
        var command = new Command(Name, "Run the Stasis server (control API, gateway and instances) until Ctrl-C");
        options.AddTo(command);
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            await using var server = await LocalServer.StartAsync(options.Read(parse, env.GetVariable), ct).ConfigureAwait(false);
            ctx.Out.WriteLine(server.Banner);
            // The host handles Ctrl-C/SIGTERM itself: it stops taking requests, drains, stops the instances, then this returns.
            await server.WaitForShutdownAsync(ct).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
