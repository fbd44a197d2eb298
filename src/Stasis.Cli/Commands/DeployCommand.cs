using System.CommandLine;
using Stasis.Cli.Deploying;
using Stasis.Cli.Output;

namespace Stasis.Cli.Commands;

internal static class DeployCommand
{
    public const string DefaultTemplate = "s.yaml";

    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var template = new Option<string>("--template", "-t") { Description = "The s.yaml to deploy", HelpName = "FILE", DefaultValueFactory = _ => DefaultTemplate };
        var resource = new Option<string?>("--resource") { Description = "Deploy only this resource of the s.yaml", HelpName = "KEY" };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the server has the functions, without waiting for instances" };
        var command = new Command("deploy", "Create or update the functions of an s.yaml (Serverless Devs fc3 format)") { template, resource, noWait };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var path = Path.GetFullPath(parse.GetValue(template) ?? DefaultTemplate, env.CurrentDirectory());
            var loaded = TemplateLoader.Load(path, env.GetVariable);
            var outcome = await new Deployer(ctx, ctx.Client).DeployAsync(loaded, parse.GetValue(resource), !parse.GetValue(noWait), ct).ConfigureAwait(false);
            Write(ctx, outcome.Deployed);
            // The functions are stored either way; exit 1 tells scripts the new version is not serving yet.
            return outcome.Converged ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    public static void Write(CommandContext ctx, IReadOnlyList<DeployedResource> deployed)
    {
        if (ctx.Json)
        {
            ctx.WriteJson(deployed.Select(d => d.Result).ToArray());
        }
        else
        {
            TableWriter.Write(ctx.Console, DeployView.Table(deployed));
        }
    }
}
