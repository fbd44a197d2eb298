using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>The JSON conventions of the control API: camelCase, nulls omitted, enums as strings, kept JSON as written (<see cref="KeptJsonConverter"/>).</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = false,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        o.Converters.Add(new KeptJsonConverter());
        return o;
    }
}
