using Spectre.Console;
using Stasis.Cli.Output;
using Stasis.Client.Model;

namespace Stasis.Cli.Commands;

/// <summary>
/// Waits for provisioned instances to match the target (<c>provision put</c>) or to drain (<c>provision remove</c>):
/// a spinner on a terminal, a line per change otherwise, and a bound.
/// </summary>
internal static class ProvisionWait
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a wait may take before the command gives up (the server keeps reconciling).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long <c>currentError</c> may stand with current below target before the wait gives up: the server retries a
    /// failed start after 2 s, 4 s, 8 s, ..., so this covers a few retries without waiting out the whole bound.
    /// </summary>
    public static readonly TimeSpan ErrorGrace = TimeSpan.FromSeconds(15);

    public enum Verdict
    {
        Waiting,
        Done,
        Failing,
    }

    /// <summary>
    /// Done when current equals the goal (the target for put, 0 for remove); failing when instances fail to start and
    /// current is short of the goal; waiting otherwise.
    /// </summary>
    public static Verdict Check(ProvisionInfo p, bool draining)
    {
        var goal = draining ? 0 : p.Target;
        if (p.Current == goal)
        {
            return Verdict.Done;
        }

        return !draining && p.CurrentError is not null && p.Current < goal ? Verdict.Failing : Verdict.Waiting;
    }

    /// <summary>Polls until <see cref="Check"/> says done; returns the last answer and why it stopped.</summary>
    public static async Task<(ProvisionInfo Latest, Verdict Verdict, bool TimedOut)> RunAsync(
        CommandContext ctx, ProvisionInfo first, string qualifier, bool draining, CancellationToken ct)
    {
        if (Check(first, draining) == Verdict.Done)
        {
            return (first, Verdict.Done, false);
        }

        var verb = draining ? "draining" : "provisioning";
        if (ctx.ErrorConsole.Profile.Capabilities.Interactive)
        {
            return await ctx.ErrorConsole.Status()
                .Spinner(Spinner.Known.Dots)
                .StartAsync(Markup.Escape($"{verb} {ProvisionViews.Progress(first)}"), status =>
                    PollAsync(ctx, first, qualifier, draining, text => status.Status = Markup.Escape($"{verb} {text}"), ct))
                .ConfigureAwait(false);
        }

        ctx.Messages.Note($"waiting up to {Parsing.Durations.Format(Bound)}: {verb} {ProvisionViews.Progress(first)}");
        var last = ProvisionViews.Progress(first);
        return await PollAsync(ctx, first, qualifier, draining, text =>
        {
            if (text != last)
            {
                last = text;
                ctx.Messages.Note($"{verb} {text}");
            }
        }, ct).ConfigureAwait(false);
    }

    private static async Task<(ProvisionInfo, Verdict, bool)> PollAsync(
        CommandContext ctx, ProvisionInfo first, string qualifier, bool draining, Action<string> report, CancellationToken ct)
    {
        var time = ctx.Env.Time;
        var deadline = time.GetUtcNow() + Bound;
        DateTimeOffset? failingSince = null;
        var current = first;
        while (true)
        {
            var verdict = Check(current, draining);
            var now = time.GetUtcNow();
            if (verdict == Verdict.Done)
            {
                return (current, verdict, false);
            }

            failingSince = verdict == Verdict.Failing ? failingSince ?? now : null;
            if (failingSince is { } since && now - since >= ErrorGrace)
            {
                return (current, verdict, false);
            }

            if (now >= deadline)
            {
                return (current, verdict, true);
            }

            report(ProvisionViews.Progress(current));
            await Task.Delay(PollInterval, time, ct).ConfigureAwait(false);
            current = await ctx.Client.GetProvisionAsync(current.FunctionName, qualifier, ct).ConfigureAwait(false);
        }
    }
}
