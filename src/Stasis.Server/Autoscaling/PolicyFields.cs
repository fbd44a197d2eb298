using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stasis.Server.Autoscaling;

/// <summary>
/// The fields of one policy or action as JSON, read one by one; each problem becomes an error that
/// names the element and the field and says what to fix:
/// <c>targetTrackingPolicies[0] (scaling-policy-demo).metricTarget: 1.5 is outside (0, 1]; use a fraction such as 0.6.</c>
/// Field names match FC's camelCase, ignoring case; a field not in <c>known</c> is an error (a typo
/// would otherwise be silently ignored). A null field counts as absent.
/// </summary>
internal sealed class PolicyFields
{
    private readonly Dictionary<string, JsonNode?> _fields = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _errors;
    private readonly string _element;

    public PolicyFields(JsonObject json, string element, IReadOnlyList<string> known, List<string> errors)
    {
        _element = element;
        _errors = errors;
        var byName = known.ToDictionary(k => k, StringComparer.OrdinalIgnoreCase);
        var problems = new List<(string Field, string Message)>();
        foreach (var (key, value) in json)
        {
            if (!byName.TryGetValue(key, out var name))
            {
                problems.Add((key, $"unknown field; the fields are {string.Join(", ", known)}"));
            }
            else if (!_fields.TryAdd(name, value))
            {
                problems.Add((name, "given twice (names ignore case); keep one"));
            }
        }

        // Every message names the element with its name, when it has a valid one.
        if (OptionalString("name") is { } given)
        {
            Name = given;
            _element = $"{element} ({given})";
        }

        foreach (var (field, message) in problems)
        {
            Fail(field, message);
        }
    }

    public string? Name { get; }

    public void Fail(string field, string message) => _errors.Add($"{_element}.{field}: {message}.");

    /// <summary>A string field; null when absent or empty.</summary>
    public string? OptionalString(string field)
    {
        var node = _fields.GetValueOrDefault(field);
        if (node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            Fail(field, $"{Show(node)} is not a string");
            return null;
        }

        var text = node.GetValue<string>();
        return text.Length == 0 ? null : text;
    }

    /// <summary>A required string field; null (with an error) when absent.</summary>
    public string? RequiredString(string field, string hint)
    {
        var node = _fields.GetValueOrDefault(field);
        if (node is null)
        {
            Fail(field, $"missing; {hint}");
            return null;
        }

        var text = OptionalString(field);
        if (text is null && node.GetValueKind() == JsonValueKind.String)
        {
            Fail(field, $"is empty; {hint}");
        }

        return text;
    }

    /// <summary>A required number in (0, 1]. Example: 0.6 = keep the metric near 60 %.</summary>
    public double? Fraction(string field)
    {
        const string hint = "use a fraction such as 0.6";
        if (Number(field, hint) is not { } value)
        {
            return null;
        }

        if (value is <= 0 or > 1)
        {
            Fail(field, $"{Format(value)} is outside (0, 1]; {hint}");
            return null;
        }

        return value;
    }

    /// <summary>A required whole number in 0–<paramref name="max"/>: an instance count.</summary>
    public int? Count(string field, int max)
    {
        var hint = $"give a count in 0–{max}";
        if (Number(field, hint) is not { } value)
        {
            return null;
        }

        if (value != Math.Floor(value))
        {
            Fail(field, $"{Format(value)} is not a whole number; {hint}");
            return null;
        }

        if (value < 0 || value > max)
        {
            Fail(field, $"{Format(value)} is outside 0–{max}");
            return null;
        }

        return (int)value;
    }

    /// <summary>An optional ISO time, read in <paramref name="zone"/> when it has no offset.</summary>
    public DateTimeOffset? Time(string field, TimeZoneInfo zone)
    {
        if (OptionalString(field) is not { } text)
        {
            return null;
        }

        if (!ScalingTime.TryParse(text, zone, out var value))
        {
            Fail(field, $"'{text}' is not an ISO time; use e.g. 2024-03-10T08:00:00Z, or 2024-03-10T08:00:00 for a time in the timeZone");
            return null;
        }

        return value;
    }

    /// <summary>The optional timeZone: an IANA name, UTC when absent.</summary>
    public TimeZoneInfo Zone()
    {
        if (OptionalString("timeZone") is not { } id)
        {
            return TimeZoneInfo.Utc;
        }

        if (!ScalingTime.TryFindZone(id, out var zone))
        {
            Fail("timeZone", $"'{id}' is not a known time zone; use an IANA name such as Asia/Shanghai, or UTC");
        }

        return zone;
    }

    /// <summary>An endTime must come after the startTime: the window [start, end) would be empty.</summary>
    public void CheckWindow(DateTimeOffset? start, DateTimeOffset? end)
    {
        if (start is { } s && end is { } e && e <= s)
        {
            Fail("endTime", $"{OptionalString("endTime")} is not after startTime {OptionalString("startTime")}; make endTime later than startTime");
        }
    }

    private double? Number(string field, string hint)
    {
        var node = _fields.GetValueOrDefault(field);
        if (node is null)
        {
            Fail(field, $"missing; {hint}");
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number
            || !double.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            Fail(field, $"{Show(node)} is not a number; {hint}");
            return null;
        }

        return value;
    }

    private static string Show(JsonNode node) => node.ToJsonString();

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
