using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stasis.Fuzzing;

/// <summary>
/// Applies <see cref="JsonEdit"/>s to a document. A value may be any JSON text, including ones a
/// <see cref="JsonNode"/> cannot hold (ten thousand levels deep, 1e400), so each goes into the tree as a
/// marker string and its text replaces the marker in the serialized document.
/// </summary>
public static class JsonEditor
{
    private static readonly JsonDocumentOptions Parse = new() { MaxDepth = 256 };

    public static string Apply(string document, IReadOnlyList<JsonEdit> edits)
    {
        JsonNode? root = JsonNode.Parse(document, documentOptions: Parse);
        var removed = false;
        var raw = new List<string>();
        foreach (var edit in edits)
        {
            if (removed)
            {
                break;
            }

            var places = Places(root);
            var place = places[edit.Place % places.Count];
            switch (edit.Kind)
            {
                case JsonEditKind.Replace:
                    root = Set(root, place, Marker(raw, edit.Value.Json(place.Field)));
                    break;
                case JsonEditKind.Remove when place.Parent is null:
                    removed = true;
                    break;
                case JsonEditKind.Remove when place.Parent is JsonObject obj:
                    obj.Remove(place.Key!);
                    break;
                case JsonEditKind.Remove:
                    ((JsonArray)place.Parent).RemoveAt(place.Index);
                    break;
                case JsonEditKind.AddField:
                    var target = place.Node as JsonObject ?? place.Parent as JsonObject;
                    if (target is not null)
                    {
                        var name = FuzzValues.FieldNames[edit.Name % FuzzValues.FieldNames.Length];
                        target[name] = Marker(raw, edit.Value.Json(name));
                    }

                    break;
                case JsonEditKind.RenameField when place.Parent is JsonObject obj:
                    var renamed = Rename(place.Key!, edit.Name);
                    if (!obj.ContainsKey(renamed))
                    {
                        var value = place.Node;
                        obj.Remove(place.Key!);
                        obj[renamed] = value;
                    }

                    break;
                case JsonEditKind.Wrap:
                    root = Set(root, place, new JsonArray(place.Node?.DeepClone()));
                    break;
                case JsonEditKind.Duplicate when place.Parent is JsonArray array:
                    array.Insert(place.Index + 1, place.Node?.DeepClone());
                    break;
                case JsonEditKind.Duplicate when place.Parent is JsonObject obj && !obj.ContainsKey(place.Key!.ToUpperInvariant()):
                    obj[place.Key.ToUpperInvariant()] = place.Node?.DeepClone();
                    break;
            }
        }

        if (removed)
        {
            return "";
        }

        var text = root?.ToJsonString() ?? "null";
        for (var i = 0; i < raw.Count; i++)
        {
            text = text.Replace(JsonSerializer.Serialize(MarkerText(i)), raw[i], StringComparison.Ordinal);
        }

        return text;
    }

    public static string Describe(JsonEdit edit) => edit.Kind switch
    {
        JsonEditKind.Replace => $"replace #{edit.Place} by {edit.Value.Describe(null)}",
        JsonEditKind.AddField => $"add \"{Show(FuzzValues.FieldNames[edit.Name % FuzzValues.FieldNames.Length])}\": {edit.Value.Describe(FuzzValues.FieldNames[edit.Name % FuzzValues.FieldNames.Length])}",
        JsonEditKind.RenameField => $"rename #{edit.Place} ({RenameHow(edit.Name)})",
        _ => $"{edit.Kind.ToString().ToLowerInvariant()} #{edit.Place}",
    };

    /// <summary>A value's place: its parent (null for the root), its key or index there, and the field it belongs to.</summary>
    private sealed record Place(JsonNode? Node, JsonNode? Parent, string? Key, int Index, string? Field);

    /// <summary>Every value in document order: the root, then each member and element, depth first.</summary>
    private static List<Place> Places(JsonNode? root)
    {
        var places = new List<Place>();
        void Walk(JsonNode? node, JsonNode? parent, string? key, int index, string? field)
        {
            places.Add(new Place(node, parent, key, index, field));
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (k, v) in obj.ToList())
                    {
                        Walk(v, obj, k, -1, k);
                    }

                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        Walk(array[i], array, null, i, field);
                    }

                    break;
            }
        }

        Walk(root, null, null, -1, null);
        return places;
    }

    private static JsonNode? Set(JsonNode? root, Place place, JsonNode? value)
    {
        switch (place.Parent)
        {
            case null:
                return value;
            case JsonObject obj:
                obj[place.Key!] = value;
                break;
            case JsonArray array:
                array[place.Index] = value;
                break;
        }

        return root;
    }

    private static JsonNode Marker(List<string> raw, string json)
    {
        raw.Add(json);
        return JsonValue.Create(MarkerText(raw.Count - 1));
    }

    private static string MarkerText(int i) => $"@@fuzz-raw-{i}@@";

    private static string Rename(string key, int how) => (how % 4) switch
    {
        0 => key.ToUpperInvariant(),
        1 => key.Length > 0 ? char.ToUpperInvariant(key[0]) + key[1..] : "X",
        2 => key.Length > 1 ? key[..^1] : key + "x",
        _ => key + " ",
    };

    private static string RenameHow(int how) => (how % 4) switch
    {
        0 => "upper case",
        1 => "capitalized",
        2 => "last letter dropped",
        _ => "trailing space",
    };

    private static string Show(string name) => name.Length > 40 ? $"{name[..10]}…({name.Length} chars)" : name.Replace("\0", "\\0", StringComparison.Ordinal);
}
