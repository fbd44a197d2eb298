using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Stasis.Client.Model;

namespace Stasis.Server.Functions;

/// <summary>Reads a provision config from JSON strictly: unknown keys and wrong types are errors that name them.</summary>
internal static class ProvisionConfigJson
{
    public static readonly JsonSerializerOptions Strict = new(JsonDefaults.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        PropertyNameCaseInsensitive = true,
    };

    /// <summary>The config a parsed object holds; a <see cref="JsonException"/> says what is wrong with it.</summary>
    public static ProvisionConfigInput Read(JsonObject json)
    {
        JsonText.CheckStrings(json);
        return json.Deserialize<ProvisionConfigInput>(Strict) ?? new ProvisionConfigInput();
    }

    /// <summary>Null when valid, else what is wrong (for the deploy's validation).</summary>
    public static string? Check(JsonObject json)
    {
        try
        {
            var input = Read(json);
            var errors = ProvisionRules.Validate(input, ProvisionRules.Latest);
            return errors.Count == 0 ? null : string.Join("; ", errors);
        }
        catch (JsonException e)
        {
            return e.Message.Split(" Path:")[0];
        }
    }
}
