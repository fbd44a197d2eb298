using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stasis.Client.Model;

/// <summary>Checks of parsed JSON that the parser leaves for later.</summary>
public static class JsonText
{
    /// <summary>
    /// Throws a <see cref="JsonException"/> when a member name or string in <paramref name="node"/> is not text:
    /// bytes that are not UTF-8, or an escaped half of a UTF-16 pair on its own (<c>"\ud800"</c>). A parsed
    /// <see cref="JsonNode"/> keeps them as read and fails only when they are read, far from where the JSON came in.
    /// </summary>
    public static void CheckStrings(JsonNode? node)
    {
        try
        {
            Read(node);
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException(
                "a name or string is not text: bytes that are not UTF-8, or a \\uD800-\\uDFFF escape that is not one half of a pair; send UTF-8 and write such characters whole",
                e);
        }
    }

    /// <summary>Levels of objects and arrays: a value is 0, <c>[1]</c> is 1, <c>{"a": [1]}</c> is 2.</summary>
    public static int Depth(JsonNode? node) => node switch
    {
        JsonObject obj => 1 + obj.Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonArray array => 1 + array.Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    private static void Read(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    Read(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Read(item);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                value.GetValue<string>();
                break;
        }
    }
}
