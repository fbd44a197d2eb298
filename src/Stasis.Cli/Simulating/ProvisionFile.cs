using System.Text.Json;
using System.Text.Json.Nodes;
using Stasis.Client.Model;
using Stasis.Server.Functions;

namespace Stasis.Cli.Simulating;

/// <summary>
/// A provision config for the run (<c>--provision FILE</c>): FC's ProvisionConfig object
/// (<c>{"defaultTarget": 2, "alwaysAllocateGPU": false, "targetTrackingPolicies": [...], "scheduledActions": [...]}</c>)
/// or the seed's <c>provision.json</c>, which holds only <c>{"targetTrackingPolicies": [...]}</c> and takes its target from
/// <c>--target N</c>. Read and checked by the server's own rules, so what would be refused by <c>provision put</c> is refused here.
/// </summary>
internal static class ProvisionFile
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static ProvisionConfigInput Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException(Directory.Exists(path) ? $"{path} is a directory, not a provision config" : $"no such file: {path} (--provision takes FC's provision.json)");
        }

        return Parse(File.ReadAllText(path), path);
    }

    public static ProvisionConfigInput Parse(string text, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: Lenient);
            JsonText.CheckStrings(root);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $":{line + 1}" : "";
            throw new CliException($"{source}{where}: not valid JSON: {e.Message.Split(" LineNumber:")[0].Split(" Path:")[0].TrimEnd()}", ExitCodes.Failure, e);
        }

        if (root is not JsonObject obj)
        {
            throw new CliException($"{source}: a provision config is a JSON object, like {{\"defaultTarget\": 1, \"targetTrackingPolicies\": [...]}}");
        }

        return FromJson(obj, source);
    }

    /// <summary>An s.yaml's <c>provisionConfig</c>, or a provision file's object, checked.</summary>
    public static ProvisionConfigInput FromJson(JsonObject json, string source)
    {
        ProvisionConfigInput input;
        try
        {
            input = ProvisionConfigJson.Read(json);
        }
        catch (JsonException e)
        {
            throw new CliException($"{source}: {e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd()}", ExitCodes.Failure, e);
        }

        return Check(input, source);
    }

    /// <summary><paramref name="input"/> when the server would take it; otherwise every error, one per line.</summary>
    public static ProvisionConfigInput Check(ProvisionConfigInput input, string source)
    {
        var errors = ProvisionRules.Validate(input, ProvisionRules.Latest);
        return errors.Count == 0
            ? input
            : throw new CliException($"{source}: {string.Join(Environment.NewLine + "  ", errors)}");
    }

    /// <summary><paramref name="input"/> (or an empty config) with its target set to <paramref name="target"/>.</summary>
    public static ProvisionConfigInput WithTarget(ProvisionConfigInput? input, int target) =>
        Check((input ?? new ProvisionConfigInput()) with { DefaultTarget = target, Target = null }, "--target");

    /// <summary>One line for the output: <c>defaultTarget 1, 1 target tracking policy, 0 scheduled actions</c>.</summary>
    public static string Describe(ProvisionConfigInput? input)
    {
        if (input is null)
        {
            return "none (no provisioned instances)";
        }

        var parts = new List<string> { $"defaultTarget {input.EffectiveTarget ?? 0}" };
        if (input.TargetTrackingPolicies is { Count: > 0 } tracking)
        {
            parts.Add(tracking.Count == 1 ? "1 target tracking policy" : $"{tracking.Count} target tracking policies");
        }

        if (input.ScheduledActions is { Count: > 0 } actions)
        {
            parts.Add(actions.Count == 1 ? "1 scheduled action" : $"{actions.Count} scheduled actions");
        }

        return string.Join(", ", parts);
    }
}
