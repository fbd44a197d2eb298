using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Stasis.Client.Model;

namespace Stasis.Cli.Output;

/// <summary><c>--output json</c>: the API's own DTOs, indented, and nothing else on stdout.</summary>
internal static class JsonWriter
{
    private static readonly Lazy<StasisJsonContext> Indented = new(() => StasisJsonContext.Create(writeIndented: true));

    public static StasisJsonContext Context => Indented.Value;

    public static void Write<T>(TextWriter output, T value, Func<StasisJsonContext, JsonTypeInfo<T>> type)
    {
        output.WriteLine(JsonSerializer.Serialize(value, type(Indented.Value)));
    }

    public static void Write(TextWriter output, JsonNode node)
    {
        output.WriteLine(node.ToJsonString(Indented.Value.Options));
    }
}
