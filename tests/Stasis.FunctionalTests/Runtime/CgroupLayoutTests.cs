using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Runtime.Cgroups;
using Stasis.Server.Runtime.Process;

namespace Stasis.FunctionalTests.Runtime;

public sealed class CgroupLayoutTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "stasis-cgroup-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public void A_hybrid_host_has_v1_controllers_and_a_unified_tree()
    {
        var mounts = CgroupMounts.Parse(
            [
                "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
                "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
                "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
            ],
            ["9:name=systemd:/", "4:memory:/process_api/abc", "1:cpu:/", "0::/"]);

        Assert.Equal("/sys/fs/cgroup/unified", mounts.UnifiedDirectory);
        Assert.Equal("/sys/fs/cgroup/cpu", mounts.V1Directories["cpu"]);
        Assert.Equal("/sys/fs/cgroup/memory/process_api/abc", mounts.V1Directories["memory"]);
    }

    [Fact]
    public void Co_mounted_controllers_and_a_mount_root_below_the_hierarchy_root_are_understood()
    {
        var mounts = CgroupMounts.Parse(
            ["50 40 0:40 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct"],
            ["3:cpu,cpuacct:/docker/abc/inner"]);

        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/inner", mounts.V1Directories["cpu"]);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/inner", mounts.V1Directories["cpuacct"]);
        Assert.Null(mounts.UnifiedDirectory);
    }

    [Fact]
    public void A_pure_v2_host_delegates_cpu_and_memory_and_writes_cpu_max_and_memory_max()
    {
        // A directory tree standing in for cgroupfs: the interface files the kernel would provide.
        var own = Path.Combine(_root, "system.slice", "stasis.service");
        var stasis = Path.Combine(own, CgroupHost.ParentName);
        var parent = Path.Combine(stasis, "d-0123");
        var instance = Path.Combine(parent, "fn_1");
        Directory.CreateDirectory(instance);
        File.WriteAllText(Path.Combine(own, "cgroup.controllers"), "cpuset cpu io memory pids\n");
        foreach (var file in new[] { Path.Combine(own, "cgroup.subtree_control"), Path.Combine(stasis, "cgroup.subtree_control"),
                     Path.Combine(parent, "cgroup.subtree_control"), Path.Combine(parent, "cgroup.kill"), Path.Combine(parent, "cgroup.freeze"),
                     Path.Combine(instance, "cpu.max"), Path.Combine(instance, "memory.max") })
        {
            File.WriteAllText(file, "");
        }

        var mounts = CgroupMounts.Parse([$"30 22 0:26 / {_root} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate"], ["0::/system.slice/stasis.service"]);
        var host = CgroupHost.Detect(mounts, NullLogger.Instance, "d-0123");
        var groups = host.CreateInstance("fn/1", 1.5, 512 * 1024 * 1024);

        Assert.Equal(CgroupMode.V2, host.Mode);
        Assert.Equal(parent, host.UnifiedBase);
        Assert.Equal("+memory", File.ReadAllText(Path.Combine(parent, "cgroup.subtree_control")));
        Assert.True(host.CanLimitCpu && host.CanLimitMemory && host.CanKill && host.CanFreeze);
        Assert.Equal("cpu.max", host.Describe()["cpuLimit"]);
        Assert.Equal("memory.max", host.Describe()["memoryLimit"]);
        Assert.Equal("+memory", File.ReadAllText(Path.Combine(own, "cgroup.subtree_control")));
        Assert.Equal(instance, groups.V2Path);
        Assert.Equal(instance, groups.CpuPath);
        Assert.Equal("150000 100000", File.ReadAllText(Path.Combine(instance, "cpu.max")));
        Assert.Equal((512 * 1024 * 1024).ToString(), File.ReadAllText(Path.Combine(instance, "memory.max")));
    }

    [Fact]
    public void Without_any_hierarchy_nothing_is_used()
    {
        var host = CgroupHost.Detect(CgroupMounts.Parse([], []), NullLogger.Instance);
        var groups = host.CreateInstance("x", 1, 1);

        Assert.Equal(CgroupMode.None, host.Mode);
        Assert.Empty(groups.All);
        Assert.Equal("unavailable", host.Describe()["cpuLimit"]);
    }

    [Fact]
    public void A_v1_freezer_group_is_made_only_when_asked_for()
    {
        var own = Path.Combine(_root, "freezer");
        Directory.CreateDirectory(Path.Combine(own, CgroupHost.ParentName, "s1"));
        File.WriteAllText(Path.Combine(own, CgroupHost.ParentName, "s1", "freezer.state"), "THAWED\n");
        var mounts = CgroupMounts.Parse([$"36 30 0:33 / {own} rw,relatime - cgroup cgroup rw,freezer"], ["6:freezer:/"]);
        var host = CgroupHost.Detect(mounts, NullLogger.Instance, "s1");

        var plain = host.CreateInstance("a", null, null);
        var frozenByV1 = host.CreateInstance("b", null, null, v1Freezer: true);

        Assert.Equal(Path.Combine(own, CgroupHost.ParentName, "s1"), host.V1FreezerBase);
        Assert.Null(plain.FreezerPath);
        Assert.Empty(plain.All);
        Assert.Equal(Path.Combine(host.V1FreezerBase!, "b"), frozenByV1.FreezerPath);
        Assert.Equal([frozenByV1.FreezerPath!], frozenByV1.All);
    }

    [Fact]
    public void A_scope_is_a_short_stable_hash_of_the_full_data_directory()
    {
        var scope = ProcessRuntimeOptions.ScopeOf("/var/lib/stasis");

        Assert.Equal(scope, ProcessRuntimeOptions.ScopeOf("/var/lib/stasis/"));
        Assert.Equal(scope, ProcessRuntimeOptions.ScopeOf("/var/lib/../lib/stasis"));
        Assert.NotEqual(scope, ProcessRuntimeOptions.ScopeOf("/var/lib/stasis2"));
        Assert.Matches("^d-[0-9a-f]{12}$", scope);
        Assert.Equal(CgroupHost.SafeName(scope), scope);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../up")]
    [InlineData("a/b")]
    public void An_unsafe_scope_is_refused(string scope) =>
        Assert.Throws<ArgumentException>(() => new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, PlainProcesses.Options with { Scope = scope }));

    [Theory]
    [InlineData("fn-1.a_b", "fn-1.a_b")]
    [InlineData("../etc", "_etc")]
    [InlineData("a/b c", "a_b_c")]
    public void Instance_ids_become_safe_directory_names(string id, string name) => Assert.Equal(name, CgroupHost.SafeName(id));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
