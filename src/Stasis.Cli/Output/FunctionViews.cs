using Stasis.Client.Model;

namespace Stasis.Cli.Output;

/// <summary>How functions read in tables: the <c>functions</c> list and <c>info</c>.</summary>
internal static class FunctionViews
{
    /// <summary>FC's default runtime when an s.yaml names none.</summary>
    public const string DefaultRuntime = "custom-container";

    public static TableData List(IEnumerable<FunctionInfo> functions, DateTimeOffset now) => new(
        ["NAME", "RUNTIME", "CONCURRENCY", "TIMEOUT", "READY/BUSY/STARTING", "URL", "UPDATED"],
        functions.OrderBy(f => f.Spec.FunctionName, StringComparer.Ordinal).Select(f => (IReadOnlyList<string>)
        [
            f.Spec.FunctionName,
            Runtime(f.Spec),
            f.Spec.InstanceConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Humanize.Seconds(f.Spec.Timeout),
            InstanceSummary(f.Instances),
            PrimaryUrl(f),
            Humanize.Ago(f.UpdatedAt, now),
        ]).ToList());

    /// <summary>ready/busy/starting, the three numbers that say whether a call will be served warm.</summary>
    public static string InstanceSummary(InstanceCounts c) => $"{c.Ready}/{c.Busy}/{c.Starting}";

    /// <summary>The first HTTP trigger's URL, which is what FC users curl; the function's base URL otherwise.</summary>
    public static string PrimaryUrl(FunctionInfo f) => f.Triggers.FirstOrDefault(t => !string.IsNullOrEmpty(t.Url))?.Url ?? f.Url;

    public static string Runtime(FunctionSpec spec) => Humanize.OrNone(spec.Runtime ?? DefaultRuntime);

    public static PropertyList Properties(FunctionInfo f, DateTimeOffset now)
    {
        var s = f.Spec;
        var items = new List<KeyValuePair<string, string>>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                items.Add(new(name, value));
            }
        }

        Add("name", s.FunctionName);
        Add("description", s.Description);
        Add("runtime", Runtime(s));
        Add("handler", s.Handler);
        Add("command", Command(s.CustomContainerConfig));
        Add("image", s.CustomContainerConfig?.Image);
        Add("port", (s.CustomContainerConfig?.Port ?? FunctionDefaults.DefaultPort).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("code", s.Code);
        Add("timeout", Humanize.Seconds(s.Timeout));
        Add("concurrency", $"{s.InstanceConcurrency} per instance");
        Add("max instances", s.EffectiveMaxInstances.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("scheduling", f.SchedulingPolicy);
        Add("idle timeout", s.IdleTimeout is { } idle ? Humanize.Seconds(idle) : "server default");
        Add("rate limit", s.MaxRequestsPerSecond is { } rate ? $"{rate.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} requests/s, burst {s.EffectiveBurst}" : null);
        Add("memory", $"{s.MemorySize} MB");
        Add("cpu", s.Cpu is { } cpu ? $"{Humanize.Number(cpu)} vCPU" : null);
        Add("gpu memory", (s.GpuMemorySize ?? s.GpuConfig?.GpuMemorySize) is { } gpu ? $"{gpu} MB" + (s.GpuConfig?.GpuType is { } type ? $" ({type})" : "") : null);
        Add("initializer", Hook(s.InstanceLifecycleConfig?.Initializer));
        Add("pre-stop", Hook(s.InstanceLifecycleConfig?.PreStop));
        // Names only: values are often credentials, and `info` output ends up in tickets and chat.
        Add("environment", s.EnvironmentVariables.Count == 0 ? null : string.Join(", ", s.EnvironmentVariables.Keys.Order(StringComparer.Ordinal))
            + (f.EnvironmentRedacted ? " (values shown to admin keys only)" : ""));
        Add("version", f.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("created", $"{f.CreatedAt:u} ({Humanize.Ago(f.CreatedAt, now)})");
        Add("updated", $"{f.UpdatedAt:u} ({Humanize.Ago(f.UpdatedAt, now)})");
        Add("url", f.Url);
        Add("instances", Counts(f.Instances) + (f.Queued > 0 ? $", {f.Queued} queued" : ""));
        Add("rollout error", f.RolloutError);
        Add("last error", f.LastInstanceError);
        for (var i = 0; i < f.Warnings.Count; i++)
        {
            Add(i == 0 ? "warnings" : "", f.Warnings[i]);
        }

        return new PropertyList(items);
    }

    public static TableData Triggers(FunctionInfo f) => new(
        ["TRIGGER", "TYPE", "AUTH", "METHODS", "URL"],
        f.Triggers.Select(t => (IReadOnlyList<string>)
        [
            t.TriggerName,
            t.TriggerType,
            Humanize.OrNone(t.AuthType),
            t.Methods.Count == 0 ? Humanize.None : string.Join(",", t.Methods),
            t.Url,
        ]).ToList());

    public static string Counts(InstanceCounts c)
    {
        var parts = new List<string> { $"{c.Ready} ready", $"{c.Busy} busy", $"{c.Starting} starting" };
        if (c.Draining > 0)
        {
            parts.Add($"{c.Draining} draining");
        }

        if (c.Failed > 0)
        {
            parts.Add($"{c.Failed} failed");
        }

        if (c.Outdated > 0)
        {
            parts.Add($"{c.Outdated} outdated");
        }

        return string.Join(", ", parts);
    }

    private static string? Command(CustomContainerConfig? c)
    {
        if (c is null)
        {
            return null;
        }

        var words = (c.Entrypoint ?? []).Concat(c.Command ?? []).Select(Quote).ToList();
        return words.Count == 0 ? null : string.Join(' ', words);
    }

    private static string Quote(string word) =>
        word.Length > 0 && !word.Any(ch => char.IsWhiteSpace(ch) || ch is '"' or '\'') ? word : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static string? Hook(LifecycleHook? hook) =>
        hook?.Handler is { Length: > 0 } handler
            ? $"{handler} (timeout {Humanize.Seconds(hook.Timeout ?? FunctionDefaults.InitializerTimeoutSeconds)})"
            : null;
}
