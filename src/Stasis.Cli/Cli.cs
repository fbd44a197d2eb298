using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
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
        // No response files: "@FILE" is curl's way to name a request body (invoke --data @FILE), not more arguments.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                env.Error.WriteLine($"error: {error.Message}");
            }

            env.Error.WriteLine($"run '{CommandPath(parse.CommandResult)} --help' for usage");
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

    /// <summary>e.g. <c>stasis provision put</c> for a subcommand.</summary>
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? at = result; at is CommandResult c; at = c.Parent)
        {
            names.Add(c.Parent is null ? "stasis" : c.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    public static RootCommand BuildRoot(CliEnvironment env, GlobalOptions global)
    {
        var root = new RootCommand("Stasis: self-hosted serverless functions for real-time inference, compatible with Function Compute 3.0 s.yaml.")
        {
            global.Endpoint,
            global.Output,
            global.Profile,
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
            MetricsCommand.Create(env, global),
            ProvisionCommand.Create(env, global),
            SimulateCommand.Create(env, global),
            KeysCommand.Create(env, global),
            ImagesCommand.Create(env, global),
            StoreCommand.Create(env, global),
        };
        return root;
    }
}
