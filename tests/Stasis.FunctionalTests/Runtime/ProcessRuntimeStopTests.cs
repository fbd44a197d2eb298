using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Runtime;
using Stasis.Server.Runtime.Process;

namespace Stasis.FunctionalTests.Runtime;

public sealed class ProcessRuntimeStopTests : IDisposable
{
    private readonly TestFunctions _functions = new();
    private readonly ProcessRuntime _runtime = new(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, PlainProcesses.Options);

    [Fact]
    public async Task Killing_the_main_process_completes_Exited()
    {
        await using var instance = await _runtime.StartAsync(_functions.Launch(), CancellationToken.None);

        Assert.False(instance.Exited.IsCompleted);
        System.Diagnostics.Process.GetProcessById(instance.ProcessId!.Value).Kill();
        var exit = await instance.Exited.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(137, exit.ExitCode);
        Assert.Equal("killed by signal 9 (SIGKILL)", exit.Reason);
    }

    [Fact]
    public async Task Stop_ends_the_children_too_even_those_that_ignore_SIGTERM()
    {
        var script = _functions.Script("tree.sh", $"""
            sleep 300 &
            echo $! > child.pid
            sh -c 'trap "" TERM; echo $$ > stubborn.pid; while :; do sleep 1; done' &
            exec {TestFunctions.PythonPath} server.py
            """);
        var instance = await _runtime.StartAsync(_functions.Launch([script]), CancellationToken.None);
        var main = instance.ProcessId!.Value;
        var child = TestFunctions.ReadPid(await TestFunctions.WaitForFileAsync(_functions.PathOf("child.pid")));
        var stubborn = TestFunctions.ReadPid(await TestFunctions.WaitForFileAsync(_functions.PathOf("stubborn.pid")));
        Assert.False(TestFunctions.IsGone(child));

        await instance.StopAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None);
        await instance.StopAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None);
        await instance.DisposeAsync();

        Assert.True(instance.Exited.IsCompleted);
        Assert.True(TestFunctions.IsGone(main));
        Assert.True(TestFunctions.IsGone(child));
        Assert.True(TestFunctions.IsGone(stubborn));
    }

    [Fact]
    public async Task Stop_after_the_process_died_on_its_own_still_cleans_up()
    {
        var script = _functions.Script("die-later.sh", $"""
            {TestFunctions.PythonPath} server.py &
            sleep 300 &
            echo $! > child.pid
            wait $!
            """);
        var instance = (ProcessInstance)await _runtime.StartAsync(_functions.Launch([script]), CancellationToken.None);
        var child = TestFunctions.ReadPid(await TestFunctions.WaitForFileAsync(_functions.PathOf("child.pid")));

        System.Diagnostics.Process.GetProcessById(instance.ProcessId!.Value).Kill();
        await instance.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(TestFunctions.IsGone(child));
        await instance.StopAsync(TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.True(TestFunctions.IsGone(child));
        Assert.All(new[] { instance.Cgroups.V2Path, instance.Cgroups.CpuPath, instance.Cgroups.MemoryPath }.OfType<string>(),
            path => Assert.False(Directory.Exists(path), path));
    }

    [Fact]
    public async Task Cpu_and_memory_limits_are_written_where_the_host_has_the_controllers()
    {
        const long memory = 256L * 1024 * 1024;
        var launch = _functions.Launch() with { CpuLimit = 0.5, MemoryLimitBytes = memory };
        var instance = (ProcessInstance)await _runtime.StartAsync(launch, CancellationToken.None);
        var pid = instance.ProcessId!.Value.ToString();
        var cgroups = _runtime.Cgroups;
        try
        {
            if (cgroups.CanLimitCpu)
            {
                var value = File.ReadAllText(Path.Combine(instance.Cgroups.CpuPath!, cgroups.CpuLimitFile!)).Trim();
                Assert.Equal(cgroups.CpuLimitFile == "cpu.max" ? "50000 100000" : "50000", value);
                Assert.Contains(pid, File.ReadAllLines(Path.Combine(instance.Cgroups.CpuPath!, "cgroup.procs")));
            }

            if (cgroups.CanLimitMemory)
            {
                var value = File.ReadAllText(Path.Combine(instance.Cgroups.MemoryPath!, cgroups.MemoryLimitFile!)).Trim();
                Assert.Equal(memory.ToString(), value);
                Assert.Contains(pid, File.ReadAllLines(Path.Combine(instance.Cgroups.MemoryPath!, "cgroup.procs")));
            }

            if (instance.CgroupV2Path is { } v2)
            {
                Assert.Contains(pid, File.ReadAllLines(Path.Combine(v2, "cgroup.procs")));
                Assert.Equal(cgroups.CanFreeze, File.Exists(Path.Combine(v2, "cgroup.freeze")));
            }
        }
        finally
        {
            await instance.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }

        Assert.All(new[] { instance.Cgroups.V2Path, instance.Cgroups.CpuPath, instance.Cgroups.MemoryPath }.OfType<string>(),
            path => Assert.False(Directory.Exists(path), path));
    }

    [Fact]
    public async Task Requests_after_stop_fail_instead_of_reaching_another_instance()
    {
        var instance = await _runtime.StartAsync(_functions.Launch(), CancellationToken.None);
        Assert.Equal(instance.ProcessId.ToString(), await ProcessRuntimeStartTests.GetAsync(instance, "ping"));

        await instance.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);

        await Assert.ThrowsAnyAsync<Exception>(() => ProcessRuntimeStartTests.GetAsync(instance, "ping"));
    }

    public void Dispose() => _functions.Dispose();
}
