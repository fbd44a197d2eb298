using System.Globalization;
using System.Text.Json.Nodes;

namespace Stasis.Client.Specs;

/// <summary>
/// Reads typed values out of <see cref="SpecNode"/>s. A value of the wrong type is reported with the prop,
/// its line and the type expected, and read as null so that mapping goes on and every error in the file
/// is found in one pass. Numbers are accepted quoted or not: the value may come from <c>${env(...)}</c>,
/// which is always text.
/// </summary>
internal sealed class SpecReader(SpecProblems problems)
{
    public string? String(SpecNode node, string field) => node switch
    {
        SpecScalar s => s.Value,
        SpecInvalid => null,
        _ => Mismatch<string>(field, node, "a string"),
    };

    public int? Int(SpecNode node, string field, string unit) => node switch
    {
        SpecScalar { Value: null } => null,
        SpecScalar s when int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) => i,
        SpecInvalid => null,
        _ => MismatchValue<int>(field, node, $"an integer ({unit})"),
    };

    public double? Number(SpecNode node, string field, string unit) => node switch
    {
        SpecScalar { Value: null } => null,
        SpecScalar s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            && double.IsFinite(d) => d,
        SpecInvalid => null,
        _ => MismatchValue<double>(field, node, $"a number ({unit})"),
    };

    public bool? Bool(SpecNode node, string field) => node switch
    {
        SpecScalar { Value: null } => null,
        SpecScalar { Value: "true" or "True" or "TRUE" } => true,
        SpecScalar { Value: "false" or "False" or "FALSE" } => false,
        SpecInvalid => null,
        _ => MismatchValue<bool>(field, node, "true or false"),
    };

    public List<string>? StringList(SpecNode node, string field)
    {
        switch (node)
        {
            case SpecSeq seq:
                var items = new List<string>(seq.Items.Count);
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    if (seq.Items[i] is SpecScalar { Value: { } item })
                    {
                        items.Add(item);
                    }
                    else if (seq.Items[i] is not SpecInvalid)
                    {
                        Mismatch<string>($"{field}[{i}]", seq.Items[i], "a string");
                    }
                }

                return items;
            case SpecScalar { Value: null } or SpecInvalid:
                return null;
            default:
                return Mismatch<List<string>>(field, node, "a list of strings, e.g. [python, app.py]");
        }
    }

    public SpecMap? Map(SpecNode node, string field, string expected = "a mapping") => node switch
    {
        SpecMap map => map,
        SpecScalar { Value: null } or SpecInvalid => null,
        _ => Mismatch<SpecMap>(field, node, expected),
    };

    public SpecSeq? Seq(SpecNode node, string field, string expected = "a list") => node switch
    {
        SpecSeq seq => seq,
        SpecScalar { Value: null } or SpecInvalid => null,
        _ => Mismatch<SpecSeq>(field, node, expected),
    };

    public JsonObject? JsonObject(SpecNode node, string field) =>
        Map(node, field) is { } map ? (JsonObject?)ToJson(map) : null;

    /// <summary>YAML to JSON: plain scalars take the type they read as (number, boolean, null), quoted ones stay strings.</summary>
    public static JsonNode? ToJson(SpecNode node) => node switch
    {
        SpecMap map => new JsonObject(map.Entries.Select(e => KeyValuePair.Create(e.Key, ToJson(e.Value)))),
        SpecSeq seq => new JsonArray(seq.Items.Select(ToJson).ToArray()),
        SpecScalar { Value: null } => null,
        SpecScalar { Plain: false } s => JsonValue.Create(s.Value),
        SpecScalar s => PlainScalar(s.Value!),
        _ => null,
    };

    private static JsonNode PlainScalar(string text)
    {
        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(text);
    }

    private T? Mismatch<T>(string field, SpecNode node, string expected)
        where T : class
    {
        problems.Error(field, node, $"expected {expected}, got {node.Describe()}");
        return null;
    }

    private T? MismatchValue<T>(string field, SpecNode node, string expected)
        where T : struct
    {
        problems.Error(field, node, $"expected {expected}, got {node.Describe()}");
        return null;
    }
}
