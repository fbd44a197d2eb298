using System.Globalization;
using System.Text.Json.Nodes;
using Stasis.Server.Runtime.Gpu;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Sandbox;

/// <summary>
/// An instance's GPU in its sandbox: the device nodes of its one assigned GPU and the driver's control
/// nodes, allowed in its device cgroup; for an image, also the driver's libraries, binaries and hooks
/// from the host's CDI spec (<c>nvidia-ctk cdi generate</c>), as the NVIDIA container toolkit gives a
/// container. A command instance already sees the host's libraries in its read-only system directories.
/// Inside, the GPU is the only one there, so CUDA numbers it 0.
/// </summary>
internal static class SandboxGpu
{
    private static readonly string[] ControlNodes = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset"];

    /// <summary>The edits for GPU <paramref name="index"/>: the CDI spec's for that device where there is one, else its device nodes alone.</summary>
    public static ContainerEdits For(int index, CdiSpec? spec, bool image)
    {
        var name = index.ToString(CultureInfo.InvariantCulture);
        if (spec?.For(name) is { } edits)
        {
            return image ? edits : edits with { Mounts = [], Hooks = [] };
        }

        var nodes = ControlNodes.Append($"/dev/nvidia{name}").Where(File.Exists).Select(p => new DeviceNode(p, p)).ToList();
        return new ContainerEdits([], nodes, [], []);
    }

    /// <summary>Adds <paramref name="edits"/> to an OCI config: devices (with their cgroup allowances), mounts, environment, hooks.</summary>
    public static void Apply(JsonObject config, ContainerEdits edits)
    {
        var linux = (JsonObject)config["linux"]!;
        var devices = new JsonArray();
        var allowed = new JsonArray();
        foreach (var node in edits.DeviceNodes)
        {
            if (!LibC.TryDevice(node.HostPath, out var character, out var major, out var minor))
            {
                continue; // not on this host (a spec written for another driver version)
            }

            var type = character ? "c" : "b";
            devices.Add(new JsonObject
            {
                ["path"] = node.Path, ["type"] = type, ["major"] = major, ["minor"] = minor, ["fileMode"] = 438, ["uid"] = 0, ["gid"] = 0,
            });
            allowed.Add(new JsonObject { ["allow"] = true, ["type"] = type, ["major"] = major, ["minor"] = minor, ["access"] = node.Permissions });
        }

        linux["devices"] = devices;
        ((JsonObject)linux["resources"]!)["devices"] = allowed;

        var mounts = (JsonArray)config["mounts"]!;
        foreach (var mount in edits.Mounts)
        {
            var options = mount.Options.Contains("bind") || mount.Options.Contains("rbind") ? mount.Options : [.. mount.Options, "bind"];
            mounts.Add(new JsonObject
            {
                ["destination"] = mount.ContainerPath,
                ["type"] = "none",
                ["source"] = mount.HostPath,
                ["options"] = new JsonArray(options.Select(o => (JsonNode?)JsonValue.Create(o)).ToArray()),
            });
        }

        var env = (JsonArray)((JsonObject)config["process"]!)["env"]!;
        foreach (var pair in edits.Env)
        {
            env.Add(pair);
        }

        if (edits.Hooks.Count > 0)
        {
            var hooks = new JsonObject();
            foreach (var group in edits.Hooks.GroupBy(h => h.HookName))
            {
                hooks[group.Key] = new JsonArray(group.Select(h =>
                {
                    var hook = new JsonObject
                    {
                        ["path"] = h.Path,
                        ["args"] = new JsonArray(h.Args.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
                        ["env"] = new JsonArray(h.Env.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray()),
                    };
                    if (h.Timeout is { } timeout)
                    {
                        hook["timeout"] = timeout;
                    }

                    return (JsonNode?)hook;
                }).ToArray());
            }

            config["hooks"] = hooks;
        }
    }
}
