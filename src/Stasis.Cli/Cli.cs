using System.CommandLine;
using System.CommandLine.Invocation;
using Stasis.Cli.Commands;

namespace Stasis.Cli;

/// <summary>The <c>stasis</c> command line, callable in-process (the functional tests run it this way).</summary>
internal static class Cli
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, CliEnvironment.ForWriters(output, error), cancellationToken);

    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken cancellationToken = default)
    {
        var global = new GlobalOptions(env);
        var root = BuildRoot(env, global);
        var parse = root.Parse(args);

        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                env.Error.WriteLine($"error: {error.Message}");
            }

            var command = parse.CommandResult.Command;
            env.Error.WriteLine($"run '{(command == root ? "stasis" : $"stasis {command.Name}")} --help' for usage");
            return ExitCodes.Usage;
        }

        var hostsServer = parse.CommandResult.Command.Name is ServerCommand.Name or UpCommand.Name;
        var config = new InvocationConfiguration
        {
            Output = env.Out,
            Error = env.Error,
            ProcessTerminationTimeout = env.HandleSignals && !hostsServer ? TimeSpan.FromSeconds(2) : null,
        };
        return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }

    public static RootCommand BuildRoot(CliEnvironment env, GlobalOptions global)
    {
        var root = new RootCommand("Stasis: self-hosted serverless functions for real-time inference, compatible with Function Compute 3.0 s.yaml.")
        {
            global.Endpoint,
            global.Output,
            ServerCommand.Create(env, global),
            UpCommand.Create(env, global),
            DeployCommand.Create(env, global),
            FunctionsCommand.Create(env, global),
            InfoCommand.Create(env, global),
            InvokeCommand.Create(env, global),
            InstancesCommand.Create(env, global),
            LogsCommand.Create(env, global),
            RemoveCommand.Create(env, global),
            StatusCommand.Create(env, global),
            BillCommand.Create(env, global),
        };
        return root;
    }
}
