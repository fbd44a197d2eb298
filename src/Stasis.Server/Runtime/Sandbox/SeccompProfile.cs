using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stasis.Server.Runtime.Sandbox;

/// <summary>
/// Turns a seccomp profile in containers/common's format (Debian's
/// <c>golang-github-containers-common</c>: <c>/usr/share/containers/seccomp.json</c>, the profile podman and
/// CRI-O use) into the OCI form runc reads. That format has an <c>archMap</c> and, per rule, <c>includes</c>
/// and <c>excludes</c> by capability, architecture and kernel version; the OCI form has none of them, so
/// they are resolved here for this machine's architecture and the capabilities the instance keeps, the
/// way containers/common does (<c>pkg/seccomp/seccomp_linux.go</c>): a rule is kept when every capability
/// it includes is held and none it excludes is, and its architecture and kernel conditions hold.
/// </summary>
internal static class SeccompProfile
{
    public const string DefaultPath = "/usr/share/containers/seccomp.json";

    /// <summary>The OCI <c>linux.seccomp</c> object, or throws <see cref="InvalidDataException"/> naming the file and what is wrong.</summary>
    public static JsonObject Convert(string json, string path, IReadOnlyCollection<string> capabilities, string goArch, Version kernel)
    {
        JsonObject source;
        try
        {
            source = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }

        var result = new JsonObject
        {
            ["defaultAction"] = Required(source, "defaultAction", path),
        };
        if (source["defaultErrnoRet"] is JsonValue defaultErrno)
        {
            result["defaultErrnoRet"] = defaultErrno.GetValue<uint>();
        }

        result["architectures"] = new JsonArray(Architectures(source, goArch).Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());

        var syscalls = new JsonArray();
        foreach (var node in source["syscalls"] as JsonArray ?? throw new InvalidDataException($"{path}: no \"syscalls\" list"))
        {
            if (node is not JsonObject rule || !Applies(rule, capabilities, goArch, kernel))
            {
                continue;
            }

            var names = NamesOf(rule);
            if (names.Count == 0)
            {
                continue;
            }

            var converted = new JsonObject
            {
                ["names"] = new JsonArray(names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
                ["action"] = Required(rule, "action", path),
            };
            if (rule["errnoRet"] is JsonValue errno)
            {
                converted["errnoRet"] = errno.GetValue<uint>();
            }

            if (rule["args"] is JsonArray { Count: > 0 } args)
            {
                converted["args"] = args.DeepClone();
            }

            syscalls.Add(converted);
        }

        result["syscalls"] = syscalls;
        return result;
    }

    /// <summary>Go's name of this machine's architecture, as profiles write it (<c>amd64</c>, <c>arm64</c>).</summary>
    public static string HostGoArch() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "386",
        Architecture.Arm => "arm",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.RiscV64 => "riscv64",
        Architecture.LoongArch64 => "loong64",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>The running kernel's version (<c>6.1.0-18-amd64</c> gives 6.1).</summary>
    public static Version HostKernel()
    {
        try
        {
            var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
            return ParseKernel(release);
        }
        catch (IOException)
        {
            return new Version(0, 0);
        }
    }

    internal static Version ParseKernel(string release)
    {
        var parts = release.Split('.', '-', '+');
        return parts.Length >= 2 && int.TryParse(parts[0], out var major) && int.TryParse(parts[1], out var minor)
            ? new Version(major, minor)
            : new Version(0, 0);
    }

    private static readonly Dictionary<string, string> SeccompArches = new(StringComparer.Ordinal)
    {
        ["amd64"] = "SCMP_ARCH_X86_64",
        ["arm64"] = "SCMP_ARCH_AARCH64",
        ["386"] = "SCMP_ARCH_X86",
        ["arm"] = "SCMP_ARCH_ARM",
        ["s390x"] = "SCMP_ARCH_S390X",
        ["ppc64le"] = "SCMP_ARCH_PPC64LE",
        ["riscv64"] = "SCMP_ARCH_RISCV64",
        ["loong64"] = "SCMP_ARCH_LOONGARCH64",
    };

    // The native architecture and its sub-architectures from the archMap (x86-64 also runs x86 and x32 code).
    private static List<string> Architectures(JsonObject source, string goArch)
    {
        var native = SeccompArches.GetValueOrDefault(goArch, "SCMP_ARCH_" + goArch.ToUpperInvariant());
        var list = new List<string> { native };
        foreach (var entry in source["archMap"] as JsonArray ?? [])
        {
            if (entry?["architecture"]?.GetValue<string>() == native)
            {
                list.AddRange((entry["subArchitectures"] as JsonArray ?? []).Select(s => s!.GetValue<string>()));
            }
        }

        return list;
    }

    private static bool Applies(JsonObject rule, IReadOnlyCollection<string> capabilities, string goArch, Version kernel)
    {
        if (rule["excludes"] is JsonObject excludes)
        {
            if (Strings(excludes["arches"]).Contains(goArch)
                || Strings(excludes["caps"]).Any(capabilities.Contains)
                || (MinKernel(excludes) is { } below && kernel >= below))
            {
                return false;
            }
        }

        if (rule["includes"] is JsonObject includes)
        {
            var arches = Strings(includes["arches"]);
            if ((arches.Count > 0 && !arches.Contains(goArch))
                || !Strings(includes["caps"]).All(capabilities.Contains)
                || (MinKernel(includes) is { } atLeast && kernel < atLeast))
            {
                return false;
            }
        }

        return true;
    }

    private static Version? MinKernel(JsonObject condition) =>
        condition["minKernel"] is JsonValue value && value.GetValue<string>() is { Length: > 0 } text ? ParseKernel(text) : null;

    private static List<string> NamesOf(JsonObject rule)
    {
        var names = Strings(rule["names"]);
        if (rule["name"] is JsonValue single)
        {
            names.Add(single.GetValue<string>());
        }

        return names;
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Where(n => n is not null).Select(n => n!.GetValue<string>()).ToList() : [];

    private static string Required(JsonObject obj, string key, string path) =>
        obj[key]?.GetValue<string>() ?? throw new InvalidDataException($"{path}: a rule has no \"{key}\"");
}
