using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Runtime;
using Stasis.Server.Runtime.Freezing;
using Stasis.Server.Runtime.Process;
using Xunit.Abstractions;

namespace Stasis.FunctionalTests.Runtime;

/// <summary>
/// Freeze and thaw with real processes, for each freezer of the chain this host has (the cgroup ones
/// are skipped where the host lacks them; SIGSTOP works everywhere).
/// </summary>
public sealed class ProcessRuntimeFreezeTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestFunctions _functions = new();

    public static TheoryData<string> Freezers => new(Enum.GetNames<FreezerKind>());

    [Fact]
    public void The_host_freezer_is_chosen_once_and_described()
    {
        var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, PlainProcesses.Options);
        var description = runtime.Describe();
        output.WriteLine($"freezer: {description["freezer"]}; gpu: {description["gpu"]}; scope: {description["scope"]}");

        var expected = runtime.Cgroups.CanFreeze ? "cgroup-v2" : runtime.Cgroups.V1FreezerBase is not null ? "cgroup-v1" : "sigstop";
        Assert.Equal(expected, description["freezer"]);
        Assert.Equal("default", description["scope"]);
        if (HostTools.Find("nvidia-smi") is null)
        {
            Assert.Equal("none", description["gpu"]);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Freezers))]
    public async Task A_frozen_instance_uses_no_CPU_and_a_thawed_one_runs_again(string kind)
    {
        var runtime = FrozenProcesses.RuntimeOrSkip(kind);

        var (instance, pids) = await FrozenProcesses.StartBusyAsync(runtime, _functions);
        try
        {
            Assert.True(await FrozenProcesses.EventuallyAsync(() => FrozenProcesses.CpuTicks(pids) > 0));

            await instance.FreezeAsync(CancellationToken.None);
            var frozen = FrozenProcesses.CpuTicks(pids);
            await Task.Delay(TimeSpan.FromSeconds(1));

            Assert.Equal(frozen, FrozenProcesses.CpuTicks(pids));
            Assert.True(instance.IsFrozen);
            Assert.Equal(FreezerKindNames.Name(Enum.Parse<FreezerKind>(kind)), instance.FreezerName);

            await instance.ThawAsync(CancellationToken.None);

            Assert.False(instance.IsFrozen);
            Assert.True(await FrozenProcesses.EventuallyAsync(() => FrozenProcesses.CpuTicks(pids) > frozen));
        }
        finally
        {
            await instance.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Freezers))]
    public async Task A_request_to_a_frozen_then_thawed_instance_succeeds(string kind)
    {
        var runtime = FrozenProcesses.RuntimeOrSkip(kind);

        await using var instance = await runtime.StartAsync(_functions.Launch(), CancellationToken.None);
        // A pooled connection made before the freeze must work after it, as must a new one.
        Assert.Equal(instance.ProcessId.ToString(), await ProcessRuntimeStartTests.GetAsync(instance, "ping"));

        for (var i = 0; i < 3; i++)
        {
            await instance.FreezeAsync(CancellationToken.None);
            await instance.ThawAsync(CancellationToken.None);
            Assert.Equal(instance.ProcessId.ToString(), await ProcessRuntimeStartTests.GetAsync(instance, "ping"));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Freezers))]
    public async Task Freezing_twice_and_thawing_twice_are_harmless(string kind)
    {
        var runtime = FrozenProcesses.RuntimeOrSkip(kind);

        await using var instance = await runtime.StartAsync(_functions.Launch(), CancellationToken.None);

        await instance.ThawAsync(CancellationToken.None);
        await instance.FreezeAsync(CancellationToken.None);
        await instance.FreezeAsync(CancellationToken.None);
        Assert.True(((ProcessInstance)instance).IsFrozen);
        await instance.ThawAsync(CancellationToken.None);
        await instance.ThawAsync(CancellationToken.None);

        Assert.False(((ProcessInstance)instance).IsFrozen);
        Assert.Equal(instance.ProcessId.ToString(), await ProcessRuntimeStartTests.GetAsync(instance, "ping"));
    }

    [SkippableTheory]
    [MemberData(nameof(Freezers))]
    public async Task Concurrent_freezes_and_thaws_leave_the_instance_in_one_state(string kind)
    {
        var runtime = FrozenProcesses.RuntimeOrSkip(kind);

        await using var instance = (ProcessInstance)await runtime.StartAsync(_functions.Launch(), CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            i % 2 == 0 ? instance.FreezeAsync(CancellationToken.None) : instance.ThawAsync(CancellationToken.None))));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => instance.ThawAsync(CancellationToken.None))));

        Assert.False(instance.IsFrozen);
        Assert.Equal(instance.ProcessId.ToString(), await ProcessRuntimeStartTests.GetAsync(instance, "ping"));
    }

    [SkippableTheory]
    [MemberData(nameof(Freezers))]
    public async Task Thaw_and_freeze_of_an_instance_whose_process_was_killed_fail(string kind)
    {
        var runtime = FrozenProcesses.RuntimeOrSkip(kind);

        await using var instance = await runtime.StartAsync(_functions.Launch(), CancellationToken.None);
        System.Diagnostics.Process.GetProcessById(instance.ProcessId!.Value).Kill();
        await instance.Exited.WaitAsync(TimeSpan.FromSeconds(30));

        var thaw = await Assert.ThrowsAsync<InstanceFreezeException>(() => instance.ThawAsync(CancellationToken.None));
        Assert.Contains("process gone", thaw.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InstanceFreezeException>(() => instance.FreezeAsync(CancellationToken.None));
    }

    // The v1 freezer holds back even SIGKILL until the group thaws, so only the others can be killed while frozen.
    [SkippableTheory]
    [InlineData(nameof(FreezerKind.CgroupV2))]
    [InlineData(nameof(FreezerKind.Sigstop))]
    public async Task Thaw_of_a_frozen_instance_that_was_killed_fails(string kind)
    {
        var runtime = FrozenProcesses.RuntimeOrSkip(kind);

        await using var instance = await runtime.StartAsync(_functions.Launch(), CancellationToken.None);
        await instance.FreezeAsync(CancellationToken.None);
        System.Diagnostics.Process.GetProcessById(instance.ProcessId!.Value).Kill();
        await instance.Exited.WaitAsync(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<InstanceFreezeException>(() => instance.ThawAsync(CancellationToken.None));
        Assert.Contains("process gone", error.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Freezers))]
    public async Task Stop_of_a_frozen_instance_ends_it_and_leaves_nothing(string kind)
    {
        var runtime = FrozenProcesses.RuntimeOrSkip(kind);

        var script = _functions.Script("with-child.sh", $"""
            sleep 300 &
            echo $! > child.pid
            exec {TestFunctions.PythonPath} server.py
            """);
        var instance = (ProcessInstance)await runtime.StartAsync(_functions.Launch([script]), CancellationToken.None);
        var child = TestFunctions.ReadPid(await TestFunctions.WaitForFileAsync(_functions.PathOf("child.pid")));
        await instance.FreezeAsync(CancellationToken.None);

        // A grace long enough that only a thawed process ends within it makes SIGTERM, not SIGKILL, the one that counts.
        await instance.StopAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.True(instance.Exited.IsCompleted);
        Assert.Equal(15 + 128, (await instance.Exited).ExitCode);
        Assert.True(TestFunctions.IsGone(instance.ProcessId!.Value));
        Assert.True(TestFunctions.IsGone(child));
        Assert.All(new[] { instance.Cgroups.V2Path, instance.Cgroups.CpuPath, instance.Cgroups.MemoryPath, instance.Cgroups.FreezerPath }.OfType<string>(),
            path => Assert.False(Directory.Exists(path), path));
        await Assert.ThrowsAsync<InstanceFreezeException>(() => instance.FreezeAsync(CancellationToken.None));
    }

    public void Dispose() => _functions.Dispose();
}
