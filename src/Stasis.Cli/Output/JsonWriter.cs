using System.Text.Json;
using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.Cli.Output;

/// <summary><c>--output json</c>: the API's own DTOs in the API's conventions, indented, and nothing else on stdout.</summary>
internal static class JsonWriter
{
    private static readonly JsonSerializerOptions Indented = new(JsonDefaults.Options) { WriteIndented = true };

    public static void Write<T>(TextWriter output, T value)
    {
        output.WriteLine(JsonSerializer.Serialize(value, Indented));
    }

    public static void Write(TextWriter output, JsonNode node)
    {
        output.WriteLine(node.ToJsonString(Indented));
    }
}
