using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>
/// Source-generated serializers for the API's DTOs, with the conventions of <see cref="JsonDefaults"/>.
/// The CLI starts on every keystroke, and generated metadata spares it the reflection pass over these types.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ServerStatus))]
[JsonSerializable(typeof(FunctionInfo))]
[JsonSerializable(typeof(FunctionInfo[]))]
[JsonSerializable(typeof(InstanceInfo[]))]
[JsonSerializable(typeof(DeployResult))]
[JsonSerializable(typeof(DeployResult[]))]
[JsonSerializable(typeof(FunctionSpec))]
[JsonSerializable(typeof(ErrorBody))]
public sealed partial class StasisJsonContext : JsonSerializerContext
{
    /// <summary>A context over a copy of <see cref="JsonDefaults.Options"/>, optionally indented for people to read.</summary>
    public static StasisJsonContext Create(bool writeIndented) =>
        new(new JsonSerializerOptions(JsonDefaults.Options) { TypeInfoResolver = null, WriteIndented = writeIndented });
}
