using Stasis.Client.Model;

namespace Stasis.Cli.Deploying;

/// <summary>When a deploy counts as done, and how long to wait for that.</summary>
internal static class Rollout
{
    /// <summary>Slack on top of the slowest initializer: process start, port probe, polling.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);

    /// <summary>Nothing still booting and nothing left on the old version.</summary>
    public static bool IsSettled(FunctionInfo f) => f.Instances.Starting == 0 && f.Instances.Outdated == 0;

    /// <summary>
    /// The new version failed to start and nothing is trying again: the old instances keep serving, and waiting longer
    /// would only run into the bound.
    /// </summary>
    public static bool IsStuck(FunctionInfo f) => f.RolloutError is not null && f.Instances.Starting == 0;

    /// <summary>Polling can stop for this function.</summary>
    public static bool IsDone(FunctionInfo f) => IsSettled(f) || IsStuck(f);

    public static TimeSpan WaitBound(IEnumerable<FunctionSpec> specs)
    {
        var slowest = specs
            .Select(s => s.InstanceLifecycleConfig?.Initializer?.Timeout ?? FunctionDefaults.InitializerTimeoutSeconds)
            .DefaultIfEmpty(FunctionDefaults.InitializerTimeoutSeconds)
            .Max();
        return TimeSpan.FromSeconds(slowest) + Slack;
    }

    /// <summary>e.g. <c>text-classifier 1 starting, 1 outdated, 0 ready</c>, for the functions still rolling out.</summary>
    public static string Describe(IEnumerable<FunctionInfo> functions) =>
        string.Join("; ", functions.Where(f => !IsDone(f)).Select(f =>
        {
            var c = f.Instances;
            var text = $"{f.Spec.FunctionName} {c.Starting} starting";
            if (c.Outdated > 0)
            {
                text += $", {c.Outdated} outdated";
            }

            return text + $", {c.Ready} ready";
        }));
}
