using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Cronos;
using Stasis.Server.Functions;

namespace Stasis.Server.Autoscaling;

/// <summary>
/// Turns a provision config's <c>targetTrackingPolicies</c> and <c>scheduledActions</c> (the JSON
/// arrays the API takes and <see cref="ProvisionRecord"/> keeps) into typed policies, or into errors,
/// each naming the kind, index, name and field and saying what to fix. All or nothing: one error and
/// no policy is returned, so a config is never half applied.
/// </summary>
internal static class ScalingPolicyParser
{
    /// <summary>At most this many policies, and this many actions, in one config.</summary>
    public const int MaxPerKind = 100;

    private const string MetricTypes = "use ProvisionedConcurrencyUtilization, CPUUtilization or GPUMemUtilization";
    private const string ScheduleHint = "use cron(sec min hour day month weekday), e.g. cron(0 0 8 * * *) for 08:00 every day, or at(2024-03-10T08:00:00Z)";

    private static readonly string[] TrackingFields = ["name", "metricType", "metricTarget", "minCapacity", "maxCapacity", "startTime", "endTime", "timeZone"];
    private static readonly string[] ActionFields = ["name", "target", "scheduleExpression", "startTime", "endTime", "timeZone"];

    /// <summary>The errors of the arrays given (null = not given, nothing to check); empty when valid.</summary>
    public static IReadOnlyList<string> Validate(JsonArray? targetTrackingPolicies, JsonArray? scheduledActions)
    {
        TryParse(targetTrackingPolicies, scheduledActions, out _, out var errors);
        return errors;
    }

    /// <summary>The policies of a stored config; false with the errors when it holds one that is not valid.</summary>
    public static bool TryParse(ProvisionRecord record, [NotNullWhen(true)] out ScalingPolicies? policies, out IReadOnlyList<string> errors) =>
        TryParse(record.TargetTrackingPolicies, record.ScheduledActions, out policies, out errors);

    public static bool TryParse(JsonArray? targetTrackingPolicies, JsonArray? scheduledActions,
        [NotNullWhen(true)] out ScalingPolicies? policies, out IReadOnlyList<string> errors)
    {
        var found = new List<string>();
        var tracking = ReadAll(targetTrackingPolicies, TargetTrackingPolicy.Kind, "policies", TrackingFields, found, ReadTracking);
        var actions = ReadAll(scheduledActions, ScheduledAction.Kind, "actions", ActionFields, found, ReadAction);
        errors = found;
        policies = found.Count == 0 ? new ScalingPolicies(tracking, actions) : null;
        return policies is not null;
    }

    private static List<T> ReadAll<T>(JsonArray? array, string kind, string noun, string[] fields, List<string> errors,
        Func<int, PolicyFields, T?> read) where T : class
    {
        var result = new List<T>();
        if (array is null)
        {
            return result;
        }

        if (array.Count > MaxPerKind)
        {
            errors.Add($"{kind}: {array.Count} {noun}; at most {MaxPerKind} are allowed.");
            return result;
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject json)
            {
                errors.Add($"{kind}[{i}]: {array[i]?.ToJsonString() ?? "null"} is not an object; give one such as {Example(kind)}.");
                continue;
            }

            var before = errors.Count;
            var element = new PolicyFields(json, $"{kind}[{i}]", fields, errors);
            if (element.Name is { } name && !names.TryAdd(name, i))
            {
                element.Fail("name", $"'{name}' is already the name of {kind}[{names[name]}]; give each its own name");
            }

            if (read(i, element) is { } item && errors.Count == before)
            {
                result.Add(item);
            }
        }

        return result;
    }

    private static TargetTrackingPolicy? ReadTracking(int index, PolicyFields f)
    {
        var zone = f.Zone();
        var metricType = MetricType(f);
        var target = f.Fraction("metricTarget");
        var min = f.Count("minCapacity", ProvisionRules.MaxTarget);
        var max = f.Count("maxCapacity", ProvisionRules.MaxTarget);
        if (min > max)
        {
            f.Fail("minCapacity", $"{min} is above maxCapacity {max}; make minCapacity ≤ maxCapacity");
        }

        var start = f.Time("startTime", zone);
        var end = f.Time("endTime", zone);
        f.CheckWindow(start, end);
        return metricType is { } m && target is { } t && min is { } lo && max is { } hi
            ? new TargetTrackingPolicy(index, f.Name, m, t, lo, hi, start, end, zone)
            : null;
    }

    private static ScheduledAction? ReadAction(int index, PolicyFields f)
    {
        var zone = f.Zone();
        var target = f.Count("target", ProvisionRules.MaxTarget);
        var schedule = Schedule(f, zone);
        var start = f.Time("startTime", zone);
        var end = f.Time("endTime", zone);
        f.CheckWindow(start, end);
        return target is { } t && schedule is not null
            ? new ScheduledAction(index, f.Name, t, schedule, start, end, zone)
            : null;
    }

    private static ScalingMetricType? MetricType(PolicyFields f)
    {
        if (f.RequiredString("metricType", MetricTypes) is not { } text)
        {
            return null;
        }

        if (Enum.TryParse<ScalingMetricType>(text, ignoreCase: true, out var type) && Enum.IsDefined(type) && !char.IsDigit(text[0]))
        {
            return type;
        }

        f.Fail("metricType", $"'{text}' is not a metric type; {MetricTypes}");
        return null;
    }

    /// <summary>
    /// <c>cron(0 0 8 * * *)</c>: six fields, seconds first (Cronos' syntax: <c>*</c>, <c>?</c>, ranges,
    /// steps, names such as MON-FRI, <c>L</c>, <c>W</c>, <c>#</c>). <c>at(2024-03-10T08:00:00Z)</c>:
    /// one instant; without an offset it is read in the action's time zone.
    /// </summary>
    private static ActionSchedule? Schedule(PolicyFields f, TimeZoneInfo zone)
    {
        const string field = "scheduleExpression";
        if (f.RequiredString(field, ScheduleHint) is not { } text)
        {
            return null;
        }

        var expression = text.Trim();
        if (Inner(expression, "cron") is { } cronText)
        {
            var parts = cronText.Split(' ', '\t').Where(p => p.Length > 0).ToArray();
            if (parts.Length != 6)
            {
                f.Fail(field, $"'{text}' has {parts.Length} fields, not 6; {ScheduleHint}");
                return null;
            }

            CronExpression cron;
            try
            {
                cron = CronExpression.Parse(string.Join(' ', parts), CronFormat.IncludeSeconds);
            }
            catch (CronFormatException e)
            {
                var why = e.Message.Replace("The given cron expression has an invalid format. ", "", StringComparison.Ordinal).TrimEnd('.');
                f.Fail(field, $"'{text}' is not a valid cron expression ({why}); {ScheduleHint}");
                return null;
            }

            // Parsed but impossible (e.g. 30 February): it would never fire, which is surely not meant.
            if (cron.GetNextOccurrence(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc) is null)
            {
                f.Fail(field, $"'{text}' never fires; {ScheduleHint}");
                return null;
            }

            return new CronSchedule(expression, cron, zone);
        }

        if (Inner(expression, "at") is { } atText)
        {
            if (!ScalingTime.TryParse(atText.Trim(), zone, out var instant))
            {
                f.Fail(field, $"'{text}' is not a valid at() time; use e.g. at(2024-03-10T08:00:00Z), or at(2024-03-10T08:00:00) for a time in the timeZone");
                return null;
            }

            return new AtSchedule(expression, instant);
        }

        f.Fail(field, $"'{text}' is neither cron(...) nor at(...); {ScheduleHint}");
        return null;
    }

    /// <summary>"cron(0 0 8 * * *)" → "0 0 8 * * *"; null when the text is not <paramref name="function"/>(…).</summary>
    private static string? Inner(string text, string function) =>
        text.StartsWith(function + "(", StringComparison.OrdinalIgnoreCase) && text.EndsWith(')')
            ? text[(function.Length + 1)..^1]
            : null;

    private static string Example(string kind) => kind == ScheduledAction.Kind
        ? """{"name": "morning", "target": 2, "scheduleExpression": "cron(0 0 8 * * *)", "timeZone": "Asia/Shanghai"}"""
        : """{"name": "busy", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 10}""";
}
