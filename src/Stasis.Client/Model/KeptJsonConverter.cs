using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>
/// Reads the JSON the model keeps as given (<c>logConfig</c>, <c>provisionConfig</c>, unknown props, the policy
/// arrays) as it was written. The API's options match property names ignoring case, and System.Text.Json would
/// build these nodes' objects ignoring case too, where <c>{"project": 1, "PROJECT": 2}</c> throws an
/// ArgumentException (a 500 on the server) instead of being kept, or refused by the code that reads it.
/// Names and strings are checked as they come in (<see cref="JsonText.CheckStrings"/>).
/// </summary>
public sealed class KeptJsonConverter : JsonConverterFactory
{
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
