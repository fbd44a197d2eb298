using System.Globalization;
using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.Cli.Output;

/// <summary>How provision configs read: <c>provision list</c> (the columns of <c>s provision list</c>, plus idle mode) and <c>provision get</c>.</summary>
internal static class ProvisionViews
{
    public const int ErrorWidth = 60;

    /// <summary>
    /// <c>provision list</c>: what says whether a function is served warm, within 120 columns. The qualifier and
    /// resource (always LATEST, NAME#LATEST) and the two switches behind idle mode are in <see cref="Wide"/>.
    /// </summary>
    public static TableData List(IEnumerable<ProvisionInfo> provisions) => new(
        ["FUNCTION", "TARGET", "CURRENT", "FROZEN", "IDLE MODE", "TRACKING/SCHEDULED", "CURRENT ERROR"],
        provisions.OrderBy(p => p.FunctionName, StringComparer.Ordinal).ThenBy(p => p.Qualifier, StringComparer.Ordinal).Select(p => (IReadOnlyList<string>)
        [
            p.FunctionName,
            Number(p.Target),
            Number(p.Current),
            Number(p.Frozen),
            OnOff(p.IdleMode),
            string.Create(CultureInfo.InvariantCulture, $"{p.TargetTrackingPolicies.Count}/{p.ScheduledActions.Count}"),
            Humanize.Truncate(p.CurrentError, NarrowErrorWidth),
        ]).ToList());

    private const int NarrowErrorWidth = 40;

    /// <summary><c>provision list --wide</c>: the columns of <c>s provision list</c>, plus idle mode and frozen.</summary>
    public static TableData Wide(IEnumerable<ProvisionInfo> provisions) => new(
        ["FUNCTION", "QUALIFIER", "RESOURCE", "TARGET", "CURRENT", "SCHEDULED ACTIONS", "TARGET TRACKING POLICIES", "CURRENT ERROR",
         "ALWAYS ALLOCATE CPU", "ALWAYS ALLOCATE GPU", "IDLE MODE", "FROZEN"],
        provisions.OrderBy(p => p.FunctionName, StringComparer.Ordinal).ThenBy(p => p.Qualifier, StringComparer.Ordinal).Select(p => (IReadOnlyList<string>)
        [
            p.FunctionName,
            p.Qualifier,
            p.Resource,
            Number(p.Target),
            Number(p.Current),
            Number(p.ScheduledActions.Count),
            Number(p.TargetTrackingPolicies.Count),
            Humanize.Truncate(p.CurrentError, ErrorWidth),
            Bool(p.AlwaysAllocateCPU),
            Bool(p.AlwaysAllocateGPU),
            OnOff(p.IdleMode),
            Number(p.Frozen),
        ]).ToList());

    public static PropertyList Properties(ProvisionInfo p)
    {
        var items = new List<KeyValuePair<string, string>>
        {
            new("function", p.FunctionName),
            new("qualifier", p.Qualifier),
            new("resource", p.Resource),
            // The effective target differs from defaultTarget while a scheduled action or tracking policy applies.
            new("target", p.Target == p.DefaultTarget ? Number(p.Target) : $"{Number(p.Target)} (default {Number(p.DefaultTarget)})"),
            new("current", Number(p.Current)),
            new("frozen", Number(p.Frozen)),
            new("idle mode", OnOff(p.IdleMode)),
            new("always allocate cpu", Bool(p.AlwaysAllocateCPU)),
            new("always allocate gpu", Bool(p.AlwaysAllocateGPU)),
        };
        AddList(items, "scheduled actions", p.ScheduledActions);
        AddList(items, "target tracking policies", p.TargetTrackingPolicies);
        items.Add(new("reason", Humanize.OrNone(p.Reason)));
        items.Add(new("current error", Humanize.OrNone(p.CurrentError)));
        return new PropertyList(items);
    }

    /// <summary><c>provision get NAME --history</c>: the autoscaler's decisions, oldest first so the table reads as a timeline.</summary>
    public static TableData History(IEnumerable<ScalingDecisionInfo> decisions) => new(
        ["TIME", "TARGET", "CURRENT", "PCU", "CPU", "GPU MEM", "REASON", "EXPLAIN"],
        decisions.OrderBy(d => d.At).Select(d => (IReadOnlyList<string>)
        [
            d.At.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            d.PreviousTarget is { } before && before != d.Target ? $"{Number(before)} → {Number(d.Target)}" : Number(d.Target),
            Number(d.Current),
            Fraction(d.ProvisionedConcurrencyUtilization, d.IntervalEnd),
            Fraction(d.CpuUtilization, d.IntervalEnd),
            Fraction(d.GpuMemUtilization, d.IntervalEnd),
            d.Reason,
            Humanize.OrNone(d.Explain),
        ]).ToList());

    /// <summary>A metric as a fraction with two decimals; "-" before any interval closed, "n/a" when unavailable.</summary>
    private static string Fraction(double? value, DateTimeOffset? interval) =>
        interval is null ? Humanize.None : value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>What a wait shows: <c>fn: 1/2 ready, 1 frozen</c>.</summary>
    public static string Progress(ProvisionInfo p) =>
        $"{p.FunctionName}: {Number(p.Current)}/{Number(p.Target)} ready, {Number(p.Frozen)} frozen" + (p.CurrentError is { } error ? $" (last error: {Humanize.Truncate(error, ErrorWidth)})" : "");

    /// <summary>The count, then one indented line per entry: its name and the rest as compact JSON.</summary>
    private static void AddList(List<KeyValuePair<string, string>> items, string name, JsonArray list)
    {
        items.Add(new(name, Number(list.Count)));
        foreach (var entry in list)
        {
            items.Add(new("  " + (Name(entry) ?? "-"), Rest(entry)));
        }
    }

    private static string? Name(JsonNode? entry) =>
        entry is JsonObject obj && obj.TryGetPropertyValue("name", out var value) && value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Rest(JsonNode? entry)
    {
        if (entry is not JsonObject obj)
        {
            return entry?.ToJsonString() ?? "null";
        }

        var rest = new JsonObject();
        foreach (var (key, value) in obj.Where(p => p.Key != "name"))
        {
            rest[key] = value?.DeepClone();
        }

        return rest.ToJsonString();
    }

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool b) => b ? "true" : "false";

    private static string OnOff(bool b) => b ? "on" : "off";
}
