using YamlDotNet.RepresentationModel;

namespace Stasis.Server.Runtime.Gpu;

/// <summary>One device node a container gets: its path inside and on the host, and its cgroup access (<c>rwm</c>).</summary>
internal sealed record DeviceNode(string Path, string HostPath, string Permissions = "rwm");

/// <summary>A host path bound into a container (a driver library, a binary).</summary>
internal sealed record BindMount(string HostPath, string ContainerPath, IReadOnlyList<string> Options);

/// <summary>An OCI hook (<c>createContainer</c>, ...) a device vendor's spec asks for, run by runc as the spec says.</summary>
internal sealed record OciHook(string HookName, string Path, IReadOnlyList<string> Args, IReadOnlyList<string> Env, int? Timeout);

/// <summary>What giving a container a device changes in its OCI config (CDI's <c>containerEdits</c>).</summary>
internal sealed record ContainerEdits(IReadOnlyList<string> Env, IReadOnlyList<DeviceNode> DeviceNodes, IReadOnlyList<BindMount> Mounts, IReadOnlyList<OciHook> Hooks)
{
    public static ContainerEdits None { get; } = new([], [], [], []);

    public ContainerEdits Add(ContainerEdits other) =>
        new([.. Env, .. other.Env], [.. DeviceNodes, .. other.DeviceNodes], [.. Mounts, .. other.Mounts], [.. Hooks, .. other.Hooks]);
}

/// <summary>
/// The NVIDIA GPUs of a Container Device Interface spec (<c>nvidia-ctk cdi generate</c> writes
/// <c>/etc/cdi/nvidia.yaml</c>): the edits every GPU container gets, and each device's own, by its name
/// (<c>0</c>, <c>1</c>, a UUID). YAML or JSON (JSON is YAML). See the CDI specification's <c>containerEdits</c>.
/// </summary>
internal sealed class CdiSpec
{
    public const string NvidiaKind = "nvidia.com/gpu";
    public static readonly string[] Directories = ["/etc/cdi", "/var/run/cdi"];

    private CdiSpec(string path, ContainerEdits common, IReadOnlyDictionary<string, ContainerEdits> devices)
    {
        Path = path;
        Common = common;
        Devices = devices;
    }

    public string Path { get; }

    public ContainerEdits Common { get; }

    public IReadOnlyDictionary<string, ContainerEdits> Devices { get; }

    /// <summary>The edits for the device named <paramref name="name"/> (with the spec's common ones); null when the spec has no such device.</summary>
    public ContainerEdits? For(string name) => Devices.TryGetValue(name, out var device) ? Common.Add(device) : null;

    /// <summary>The first spec of kind nvidia.com/gpu in the CDI directories; null when there is none (or none can be read: <paramref name="problem"/> says why).</summary>
    public static CdiSpec? Find(IEnumerable<string> directories, out string? problem)
    {
        problem = null;
        foreach (var directory in directories.Where(Directory.Exists))
        {
            foreach (var file in Directory.GetFiles(directory).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                try
                {
                    if (Parse(File.ReadAllText(file), file) is { } spec)
                    {
                        return spec;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or YamlDotNet.Core.YamlException)
                {
                    problem = $"{file}: {e.Message}";
                }
            }
        }

        return null;
    }

    /// <summary>Reads a CDI spec; null when its kind is not nvidia.com/gpu. Throws <see cref="InvalidDataException"/> when it is not a spec.</summary>
    public static CdiSpec? Parse(string text, string path)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(text))
        {
            stream.Load(reader);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InvalidDataException("not a CDI spec (no mapping at its top)");
        }

        if (Scalar(root, "kind") != NvidiaKind)
        {
            return null;
        }

        var devices = new Dictionary<string, ContainerEdits>(StringComparer.Ordinal);
        foreach (var device in Sequence(root, "devices").OfType<YamlMappingNode>())
        {
            if (Scalar(device, "name") is { Length: > 0 } name)
            {
                devices[name] = Edits(Child(device, "containerEdits") as YamlMappingNode);
            }
        }

        return new CdiSpec(path, Edits(Child(root, "containerEdits") as YamlMappingNode), devices);
    }

    private static ContainerEdits Edits(YamlMappingNode? edits)
    {
        if (edits is null)
        {
            return ContainerEdits.None;
        }

        var env = Strings(edits, "env");
        var nodes = Sequence(edits, "deviceNodes").OfType<YamlMappingNode>()
            .Select(n => (Path: Scalar(n, "path"), Host: Scalar(n, "hostPath"), Permissions: Scalar(n, "permissions")))
            .Where(n => n.Path is { Length: > 0 })
            .Select(n => new DeviceNode(n.Path!, n.Host is { Length: > 0 } host ? host : n.Path!, n.Permissions is { Length: > 0 } p ? p : "rwm"))
            .ToList();
        var mounts = Sequence(edits, "mounts").OfType<YamlMappingNode>()
            .Select(m => (Host: Scalar(m, "hostPath"), Container: Scalar(m, "containerPath"), Options: Strings(m, "options")))
            .Where(m => m.Host is { Length: > 0 } && m.Container is { Length: > 0 })
            .Select(m => new BindMount(m.Host!, m.Container!, m.Options.Count > 0 ? m.Options : ["ro", "nosuid", "nodev", "bind"]))
            .ToList();
        var hooks = Sequence(edits, "hooks").OfType<YamlMappingNode>()
            .Select(h => (Name: Scalar(h, "hookName"), Path: Scalar(h, "path"), Args: Strings(h, "args"), Env: Strings(h, "env"), Timeout: Scalar(h, "timeout")))
            .Where(h => h.Name is { Length: > 0 } && h.Path is { Length: > 0 })
            .Select(h => new OciHook(h.Name!, h.Path!, h.Args, h.Env, int.TryParse(h.Timeout, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : null))
            .ToList();
        return new ContainerEdits(env, nodes, mounts, hooks);
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string key) => Child(node, key) as YamlSequenceNode ?? [];

    private static List<string> Strings(YamlMappingNode node, string key) =>
        Sequence(node, key).OfType<YamlScalarNode>().Select(s => s.Value).OfType<string>().ToList();
}
