using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stasis.Server.Images;

/// <summary>
/// What of an image's configuration (the OCI image config, as <c>skopeo inspect --config</c> gives it) an
/// instance runs with: its platform, <c>Entrypoint</c>, <c>Cmd</c>, <c>Env</c>, <c>WorkingDir</c>, <c>User</c> and the ports it exposes.
/// </summary>
public sealed record ImageConfig
{
    public string Os { get; init; } = "linux";
    public string Architecture { get; init; } = "";
    public IReadOnlyList<string> Entrypoint { get; init; } = [];
    public IReadOnlyList<string> Cmd { get; init; } = [];
    public IReadOnlyList<string> Env { get; init; } = [];
    public string WorkingDir { get; init; } = "";
    public string User { get; init; } = "";
    /// <summary>TCP ports of <c>ExposedPorts</c> (<c>9000/tcp</c> gives 9000).</summary>
    public IReadOnlyList<int> ExposedPorts { get; init; } = [];

    /// <summary>The platform as registries write it: <c>linux/amd64</c>.</summary>
    [JsonIgnore]
    public string Platform => $"{Os}/{Architecture}";

    /// <summary>Reads an OCI image config; throws <see cref="JsonException"/> when it is not one.</summary>
    public static ImageConfig Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("the image config is not a JSON object");
        }

        var config = root.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        return new ImageConfig
        {
            Os = String(root, "os") ?? "linux",
            Architecture = String(root, "architecture") ?? "",
            Entrypoint = Strings(config, "Entrypoint"),
            Cmd = Strings(config, "Cmd"),
            Env = Strings(config, "Env"),
            WorkingDir = String(config, "WorkingDir") ?? "",
            User = String(config, "User") ?? "",
            ExposedPorts = Ports(config),
        };
    }

    /// <summary>The GOARCH name of this host's processor, as image configs name architectures.</summary>
    public static string HostArchitecture => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string[] Strings(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray()
            : [];

    private static int[] Ports(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty("ExposedPorts", out var ports) || ports.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        var result = new List<int>();
        foreach (var port in ports.EnumerateObject())
        {
            var parts = port.Name.Split('/');
            if ((parts.Length == 1 || parts[1] == "tcp") && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is > 0 and < 65536)
            {
                result.Add(n);
            }
        }

        return result.Order().ToArray();
    }
}
