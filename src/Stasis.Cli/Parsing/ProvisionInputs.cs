using System.Text.Json;
using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.Cli.Parsing;

/// <summary>
/// The values <c>provision put</c> reads: FC's <c>true</c>/<c>false</c> switches and the JSON files behind
/// <c>--targetTrackingPolicies</c> and <c>--scheduledActions</c>.
/// </summary>
internal static class ProvisionInputs
{
    public const string TargetTrackingPolicies = "targetTrackingPolicies";
    public const string ScheduledActions = "scheduledActions";

    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary><c>true</c> or <c>false</c> (any case); null when the option was not given; anything else is a usage error.</summary>
    public static bool? ParseBool(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return text.Trim().ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw new UsageException($"{option} '{text}' is not a boolean: use true or false"),
        };
    }

    /// <summary>Reads <paramref name="path"/> as <see cref="ParseList"/> does; a missing file is a usage error.</summary>
    public static JsonArray? ReadList(string? path, string key)
    {
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new UsageException(Directory.Exists(path) ? $"{path} is a directory, not a JSON file of {key}" : $"no such file: {path} (--{key} takes a JSON file)");
        }

        return ParseList(File.ReadAllText(path), key, path);
    }

    /// <summary>
    /// FC's JSON for a list of policies or actions: the array itself (<c>[{...}]</c>) or an object holding it under
    /// <paramref name="key"/> (<c>{"scheduledActions": [{...}]}</c>, the shape s.yaml's provisionConfig uses).
    /// Each entry must be an object. Errors name <paramref name="source"/> and, for broken JSON, the line.
    /// </summary>
    public static JsonArray ParseList(string text, string key, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: Lenient);
            JsonText.CheckStrings(root);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $":{line + 1}" + (e.BytePositionInLine is { } column ? $":{column + 1}" : "") : "";
            throw new CliException($"{source}{where}: not valid JSON: {e.Message.Split(" LineNumber:")[0].Split(" Path:")[0].TrimEnd()}", ExitCodes.Failure, e);
        }

        var list = root switch
        {
            JsonArray array => array,
            JsonObject obj when Find(obj, key) is { } value => value as JsonArray
                ?? throw new CliException($"{source}: \"{key}\" must be an array, not {Kind(value)}"),
            _ => throw new CliException($"{source}: expected a JSON array of {key} or an object {{\"{key}\": [...]}}, found {Kind(root)}"),
        };

        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject)
            {
                throw new CliException($"{source}: {key}[{i}] must be an object, not {Kind(list[i])}");
            }
        }

        return (JsonArray)list.DeepClone();
    }

    /// <summary>The key as written, or in another case (<c>ScheduledActions</c>, as FC's SDKs spell it).</summary>
    private static JsonNode? Find(JsonObject obj, string key) =>
        obj.TryGetPropertyValue(key, out var exact)
            ? exact ?? new JsonArray()
            : obj.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)) is { Key: not null } other ? other.Value ?? new JsonArray() : null;

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject obj => obj.Count == 0 ? "an empty object" : $"an object with {string.Join(", ", obj.Select(p => $"\"{p.Key}\""))}",
        JsonArray => "an array",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "a value",
        },
    };
}
