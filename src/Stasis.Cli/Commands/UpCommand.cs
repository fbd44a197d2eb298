using System.CommandLine;
using Stasis.Cli.Deploying;
using Stasis.Cli.Hosting;
using Stasis.Cli.Output;
using Stasis.Client;
using Stasis.Client.Auth;

namespace Stasis.Cli.Commands;

internal static class UpCommand
{
    public const string Name = "up";

    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var options = new ServerOptions();
        var command = new Command(Name, "Start the server and deploy every samples/*/s.yaml under the current directory, then run until Ctrl-C");
        options.AddTo(command);
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            await using var server = await LocalServer.StartAsync(options.Read(parse, env.GetVariable), ct).ConfigureAwait(false);
            ctx.Out.WriteLine(server.Banner);
            // The CLI's own key if it has one, else the admin key this server was given or just created.
            var key = ctx.Credentials?.Key ?? (AccessKeyToken.TryParse(server.AdminToken, out var admin) ? admin : null);
            ctx.UseClient(new StasisClient(new Uri(server.Address), key));

            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct, server.Stopping);
            var ready = await DeploySamplesAsync(ctx, env.CurrentDirectory(), stopping.Token).ConfigureAwait(false);
            if (!stopping.IsCancellationRequested)
            {
                PrintReady(ctx, ready, env.CurrentDirectory());
            }

            // The host handles Ctrl-C/SIGTERM itself: it stops taking requests, drains, stops the instances, then this returns.
            await server.WaitForShutdownAsync(ct).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed record DeployedSample(string SampleDirectory, DeployedResource Deployed);

    private static async Task<IReadOnlyList<DeployedSample>> DeploySamplesAsync(CommandContext ctx, string workingDirectory, CancellationToken ct)
    {
        var samples = Samples.Find(workingDirectory);
        if (samples.Count == 0)
        {
            ctx.Messages.Note($"no samples/*/s.yaml under {workingDirectory}: nothing to deploy; use `stasis deploy -t FILE` against {ctx.Client.Endpoint.ToString().TrimEnd('/')}");
            return [];
        }

        var ready = new List<DeployedSample>();
        var deployer = new Deployer(ctx, ctx.Client);
        foreach (var sample in samples)
        {
            var path = Path.Combine(workingDirectory, sample, "s.yaml");
            // One broken sample must not keep the others (or the server) down: report it and go on.
            var exit = await CommandAction.RunAsync(ctx, async () =>
            {
                var template = TemplateLoader.Load(path, ctx.Env.GetVariable);
                try
                {
                    var outcome = await deployer.DeployAsync(template, resourceKey: null, wait: true, ct).ConfigureAwait(false);
                    ready.AddRange(outcome.Deployed.Select(d => new DeployedSample(sample, d)));
                }
                catch (Stasis.Client.StasisApiException e) when (e.Error.Code == "ImageNotFound")
                {
                    // An image sample needs its image built and loaded first; the others run without it.
                    var build = Path.Combine(sample, "build.sh");
                    ctx.Messages.Note($"{sample} runs an image the server does not have yet; build and load it with {(File.Exists(Path.Combine(workingDirectory, build)) ? build : $"the steps in {sample}/README.md")}, then `stasis deploy -t {sample}/s.yaml`");
                }

                return ExitCodes.Success;
            }, ct).ConfigureAwait(false);

            if (ct.IsCancellationRequested)
            {
                break;
            }

            if (exit != ExitCodes.Success)
            {
                ctx.Messages.Warning($"{sample}/s.yaml was not deployed (see the error above)");
            }
        }

        if (ready.Count > 0)
        {
            DeployCommand.Write(ctx, ready.Select(r => r.Deployed).ToList());
        }

        return ready;
    }

    private static void PrintReady(CommandContext ctx, IReadOnlyList<DeployedSample> ready, string workingDirectory)
    {
        if (ready.Count == 0 || ctx.Json)
        {
            return;
        }

        ctx.Out.WriteLine();
        foreach (var (sample, deployed) in ready)
        {
            var function = deployed.Result.Function;
            var url = FunctionViews.PrimaryUrl(function);
            ctx.Out.WriteLine($"{function.Spec.FunctionName}: {url}");
            ctx.Out.WriteLine($"  {CurlHints.For(function.Spec.FunctionName, url, sample, relative => File.Exists(Path.Combine(workingDirectory, relative)))}");
        }

        ctx.Out.WriteLine();
        ctx.Out.WriteLine("Press Ctrl-C to stop.");
    }
}
