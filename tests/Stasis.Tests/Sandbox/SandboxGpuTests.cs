using System.Text.Json.Nodes;
using Stasis.Server.Runtime.Gpu;
using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Tests.Sandbox;

/// <summary>A GPU in the sandbox: the host's CDI spec read as nvidia-ctk writes it, and what it adds to an instance's OCI config.</summary>
public sealed class SandboxGpuTests
{
    // The shape `nvidia-ctk cdi generate` writes (trimmed); /dev/null and /dev/zero stand in for the GPU's nodes.
    private const string Spec = """
        cdiVersion: 0.5.0
        kind: nvidia.com/gpu
        devices:
        - name: "0"
          containerEdits:
            deviceNodes:
            - path: /dev/null
        - name: GPU-6a1d2c4e-0000-0000-0000-000000000000
          containerEdits:
            deviceNodes:
            - path: /dev/null
        - name: all
          containerEdits:
            deviceNodes:
            - path: /dev/null
        containerEdits:
          env:
          - NVIDIA_VISIBLE_DEVICES=void
          deviceNodes:
          - path: /dev/zero
          hooks:
          - hookName: createContainer
            path: /usr/bin/nvidia-cdi-hook
            args: [nvidia-cdi-hook, update-ldcache, --folder, /usr/lib/x86_64-linux-gnu]
          mounts:
          - hostPath: /usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15
            containerPath: /usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15
            options: [ro, nosuid, nodev, bind]
          - hostPath: /usr/bin/nvidia-smi
            containerPath: /usr/bin/nvidia-smi
            options: [ro, nosuid, nodev]
        """;

    [Fact]
    public void A_device_gets_the_specs_common_edits_and_its_own()
    {
        var spec = CdiSpec.Parse(Spec, "/etc/cdi/nvidia.yaml")!;

        var edits = spec.For("0")!;

        Assert.Equal(["/dev/zero", "/dev/null"], edits.DeviceNodes.Select(n => n.Path));
        Assert.Equal(["NVIDIA_VISIBLE_DEVICES=void"], edits.Env);
        Assert.Equal(2, edits.Mounts.Count);
        Assert.Equal("createContainer", Assert.Single(edits.Hooks).HookName);
        Assert.Null(spec.For("7"));
    }

    [Fact]
    public void A_spec_of_another_kind_is_not_a_gpu_spec_and_garbage_is_refused()
    {
        Assert.Null(CdiSpec.Parse("cdiVersion: 0.5.0\nkind: vendor.com/fpga\ndevices: []\n", "x.yaml"));
        Assert.Throws<InvalidDataException>(() => CdiSpec.Parse("- just\n- a list\n", "x.yaml"));
    }

    [Fact]
    public void A_command_instance_gets_the_device_nodes_only_an_image_everything()
    {
        var spec = CdiSpec.Parse(Spec, "/etc/cdi/nvidia.yaml")!;

        var command = SandboxGpu.For(0, spec, image: false);
        var image = SandboxGpu.For(0, spec, image: true);

        Assert.Empty(command.Mounts);
        Assert.Empty(command.Hooks);
        Assert.Equal(2, command.DeviceNodes.Count);
        Assert.Equal(2, image.Mounts.Count);
    }

    [Fact]
    public void The_edits_become_devices_cgroup_allowances_binds_environment_and_hooks()
    {
        var config = new JsonObject
        {
            ["process"] = new JsonObject { ["env"] = new JsonArray("PATH=/usr/bin") },
            ["mounts"] = new JsonArray(),
            ["linux"] = new JsonObject { ["resources"] = new JsonObject() },
        };

        SandboxGpu.Apply(config, CdiSpec.Parse(Spec, "/etc/cdi/nvidia.yaml")!.For("0")!);

        var devices = config["linux"]!["devices"]!.AsArray();
        Assert.Equal(["/dev/zero", "/dev/null"], devices.Select(d => (string)d!["path"]!));
        Assert.Equal((1L, 5L), ((long)devices[0]!["major"]!, (long)devices[0]!["minor"]!)); // /dev/zero is 1:5 on Linux
        var allowed = config["linux"]!["resources"]!["devices"]!.AsArray();
        Assert.All(allowed, a => Assert.True((bool)a!["allow"]!));
        Assert.Equal(["c", "c"], allowed.Select(a => (string)a!["type"]!));
        var mounts = config["mounts"]!.AsArray();
        Assert.Contains(mounts, m => (string)m!["destination"]! == "/usr/bin/nvidia-smi" && m["options"]!.AsArray().Select(o => (string)o!).Contains("bind"));
        Assert.Contains("NVIDIA_VISIBLE_DEVICES=void", config["process"]!["env"]!.AsArray().Select(e => (string)e!));
        Assert.Equal("/usr/bin/nvidia-cdi-hook", (string)config["hooks"]!["createContainer"]![0]!["path"]!);
    }

    [Fact]
    public void Without_a_spec_only_the_nodes_the_host_has_are_given()
    {
        var edits = SandboxGpu.For(0, spec: null, image: true);

        Assert.All(edits.DeviceNodes, n => Assert.True(File.Exists(n.HostPath)));
        Assert.Empty(edits.Mounts);
    }
}
