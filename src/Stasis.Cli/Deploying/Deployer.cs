using Spectre.Console;
using Stasis.Cli.Output;
using Stasis.Client;
using Stasis.Client.Model;

namespace Stasis.Cli.Deploying;

/// <summary>
/// What <c>deploy</c> and <c>up</c> both do with a template: PUT every function (the server applies its
/// <c>provisionConfig</c>), then (unless told not to) wait until the new instances are up and the old ones gone, so the
/// URLs printed afterwards answer warm.
/// </summary>
internal sealed class Deployer(CommandContext ctx, StasisClient client)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The functions as the server had them at the end, and whether every rollout finished.</summary>
    public sealed record Outcome(IReadOnlyList<DeployedResource> Deployed, bool Converged);

    public async Task<Outcome> DeployAsync(Template template, string? resourceKey, bool wait, CancellationToken ct)
    {
        var resources = Select(template, resourceKey);
        var warned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var warning in template.Warnings)
        {
            Warn(warned, warning);
        }

        foreach (var warning in resources.SelectMany(r => r.Warnings))
        {
            Warn(warned, warning);
        }

        var deployed = new List<DeployedResource>(resources.Count);
        foreach (var resource in resources)
        {
            DeployResult result;
            try
            {
                result = await client.DeployAsync(resource.Spec, ct).ConfigureAwait(false);
            }
            catch (StasisApiException e)
            {
                // Say which resource the server refused; with several in one s.yaml the error alone does not.
                throw new StasisApiException(e.StatusCode, e.Error with { Message = $"{resource.ResourceKey}: {e.Error.Message}" });
            }

            foreach (var warning in result.Function.Warnings.Where(w => !SaidAlready(w, resource.Warnings)).Concat(result.Notices))
            {
                Warn(warned, $"{resource.ResourceKey}: {warning}");
            }

            deployed.Add(new DeployedResource(resource.ResourceKey, result));
        }

        if (!wait)
        {
            return new Outcome(deployed, Converged: true);
        }

        var bound = Rollout.WaitBound(resources.Select(r => r.Spec));
        var (latest, timedOut) = await WaitAsync(deployed.Select(d => d.Result.Function).ToList(), bound, ct).ConfigureAwait(false);
        var converged = Report(latest, timedOut, bound);
        return new Outcome(deployed.Select((d, i) => d with { Result = d.Result with { Function = latest[i] } }).ToList(), converged);
    }

    private static IReadOnlyList<TemplateResource> Select(Template template, string? resourceKey)
    {
        if (template.Resources.Count == 0)
        {
            throw new CliException(template.Skipped.Count == 0
                ? $"{template.Path} has no fc3 resources to deploy; add one under resources: with component: fc3"
                : $"{template.Path} has no fc3 resources to deploy: {string.Join("; ", template.Skipped)}");
        }

        if (resourceKey is null)
        {
            return template.Resources;
        }

        var chosen = template.Resources.Where(r => r.ResourceKey == resourceKey).ToList();
        return chosen.Count > 0
            ? chosen
            : throw new UsageException($"{template.Path} has no resource '{resourceKey}' (it has: {string.Join(", ", template.Resources.Select(r => r.ResourceKey))})");
    }

    /// <summary>
    /// The server derives some warnings from the spec (unknown props) that the loader already reported with a line
    /// number: "props.x is not used..." against "res.props.x (line 9) is not used...". Same subject, said once.
    /// </summary>
    internal static bool SaidAlready(string serverWarning, IEnumerable<string> loaderWarnings)
    {
        var subject = serverWarning.Split(' ', 2)[0];
        return subject.Contains('.', StringComparison.Ordinal) && loaderWarnings.Any(w => w.Contains(subject, StringComparison.Ordinal));
    }

    private void Warn(HashSet<string> warned, string warning)
    {
        if (warned.Add(warning))
        {
            ctx.Messages.Warning(warning);
        }
    }

    private async Task<(IReadOnlyList<FunctionInfo> Latest, bool TimedOut)> WaitAsync(IReadOnlyList<FunctionInfo> functions, TimeSpan bound, CancellationToken ct)
    {
        if (functions.All(Rollout.IsDone))
        {
            return (functions, false);
        }

        if (ctx.ErrorConsole.Profile.Capabilities.Interactive)
        {
            return await ctx.ErrorConsole.Status()
                .Spinner(Spinner.Known.Dots)
                .StartAsync(Markup.Escape($"waiting for instances: {Rollout.Describe(functions)}"), status =>
                    PollAsync(functions, bound, text => status.Status = Markup.Escape($"waiting for instances: {text}"), ct))
                .ConfigureAwait(false);
        }

        ctx.Messages.Note($"waiting up to {Parsing.Durations.Format(bound)} for instances: {Rollout.Describe(functions)}");
        return await PollAsync(functions, bound, _ => { }, ct).ConfigureAwait(false);
    }

    private async Task<(IReadOnlyList<FunctionInfo>, bool)> PollAsync(IReadOnlyList<FunctionInfo> functions, TimeSpan bound, Action<string> report, CancellationToken ct)
    {
        var time = ctx.Env.Time;
        var deadline = time.GetUtcNow() + bound;
        var current = functions;
        while (!current.All(Rollout.IsDone))
        {
            if (time.GetUtcNow() >= deadline)
            {
                return (current, true);
            }

            report(Rollout.Describe(current));
            await Task.Delay(PollInterval, time, ct).ConfigureAwait(false);
            current = await Task.WhenAll(current.Select(f => client.GetFunctionAsync(f.Spec.FunctionName, ct))).ConfigureAwait(false);
        }

        return (current, false);
    }

    /// <summary>Says what did not come up; true when every function's rollout finished.</summary>
    private bool Report(IReadOnlyList<FunctionInfo> latest, bool timedOut, TimeSpan bound)
    {
        var converged = true;
        foreach (var f in latest)
        {
            var name = f.Spec.FunctionName;
            if (Rollout.IsStuck(f))
            {
                converged = false;
                ctx.Messages.Warning($"{name}: the new version did not start: {f.RolloutError}{OldVersionNote(f)}; see `stasis logs {name}`");
            }
            else if (timedOut && !Rollout.IsSettled(f))
            {
                converged = false;
                ctx.Messages.Warning($"{name}: instances still starting after {Parsing.Durations.Format(bound)} ({FunctionViews.Counts(f.Instances)}); see `stasis instances {name}` and `stasis logs {name}`");
            }
            else if (f.Instances.Failed > 0)
            {
                ctx.Messages.Warning($"{name}: {f.Instances.Failed} instance(s) failed{(f.LastInstanceError is { } last ? $" ({last})" : "")}; see `stasis instances {name} --all` and `stasis logs {name}`");
            }
        }

        return converged;
    }

    private static string OldVersionNote(FunctionInfo f) =>
        f.Instances.Outdated > 0 ? $" ({f.Instances.Outdated} instance(s) of the previous version still serve)" : "";
}
