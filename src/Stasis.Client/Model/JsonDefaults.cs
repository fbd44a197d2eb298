using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>
/// The JSON conventions of the control API: camelCase, nulls omitted, enums as strings, kept JSON as written
/// (<see cref="KeptJsonConverter"/>), and text as it reads: quotes, backticks and non-ASCII letters are not escaped
/// (messages are read in terminals; no answer is embedded in HTML, where the console escapes what it shows).
/// </summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = false,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        o.Converters.Add(new KeptJsonConverter());
        return o;
    }
}
