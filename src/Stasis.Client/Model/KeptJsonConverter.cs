using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>
/// Reads the JSON the model keeps as given (<c>logConfig</c>, <c>provisionConfig</c>, unknown props, the policy
/// arrays) as it was written. The API's options match property names ignoring case, and System.Text.Json would
/// build these nodes' objects ignoring case too, where <c>{"project": 1, "PROJECT": 2}</c> throws an
/// ArgumentException (a 500 on the server) instead of being kept, or refused by the code that reads it.
/// Names and strings are checked as they come in (<see cref="JsonText.CheckStrings"/>), and so is the depth: kept JSON
/// is written back inside other objects (a function's spec inside the answer to a deploy, inside a list), and JSON
/// nested past 64 levels can be neither written by the server nor read by a client.
/// </summary>
public sealed class KeptJsonConverter : JsonConverterFactory
{
    /// <summary>How deep kept JSON may nest: <c>{"a": {"b": 1}}</c> is 2.</summary>
    public const int MaxDepth = 32;

    public override bool CanConvert(Type typeToConvert) => typeof(JsonNode).IsAssignableFrom(typeToConvert);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(NodeConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class NodeConverter<T> : JsonConverter<T>
        where T : JsonNode
    {
        public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var node = JsonNode.Parse(ref reader);
            JsonText.CheckStrings(node);
            if (JsonText.Depth(node) > MaxDepth)
            {
                throw new JsonException($"the value nests more than {MaxDepth} levels deep; kept JSON (logConfig, provisionConfig, unknown props, policies) may nest {MaxDepth}");
            }

            return node switch
            {
                null => null,
                T typed => typed,
                _ => throw new JsonException($"expected {Kind(typeof(T))}, not {node.GetValueKind().ToString().ToLowerInvariant()} {Short(node.ToJsonString())}"),
            };
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => value.WriteTo(writer, options);

        private static string Kind(Type type) => type == typeof(JsonObject) ? "an object" : type == typeof(JsonArray) ? "an array" : "a value";

        private static string Short(string json) => json.Length > 60 ? json[..57] + "..." : json;
    }
}
