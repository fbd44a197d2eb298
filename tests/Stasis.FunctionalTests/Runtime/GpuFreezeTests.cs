using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Runtime.Freezing;
using Stasis.Server.Runtime.Gpu;
using Stasis.Server.Runtime.Process;

namespace Stasis.FunctionalTests.Runtime;

/// <summary>
/// The GPU side of freezing, without a GPU: the commands given to nvidia-smi and cuda-checkpoint, device
/// assignment, and the order of checkpoint and freeze against stand-ins for both tools.
/// </summary>
public sealed class GpuFreezeTests : IDisposable
{
    private readonly TestFunctions _functions = new();

    [Fact]
    public void Cuda_checkpoint_is_asked_to_toggle_and_to_report_the_state_of_the_main_pid()
    {
        Assert.Equal(["--toggle", "--pid", "4242"], CudaCheckpoint.ToggleArguments(4242));
        Assert.Equal(["--get-state", "--pid", "4242"], CudaCheckpoint.GetStateArguments(4242));
        Assert.Equal(["--query-gpu=index,memory.total", "--format=csv,noheader"], GpuDevice.QueryArguments);
    }

    [Theory]
    [InlineData("running\n", "Running")]
    [InlineData("checkpointed", "Checkpointed")]
    [InlineData(" locked \n", "Locked")]
    [InlineData("failed", "Failed")]
    [InlineData("something else", "Unknown")]
    public void Cuda_states_are_read(string output, string state) =>
        Assert.Equal(Enum.Parse<CudaProcessState>(state), CudaCheckpoint.ParseState(output));

    [Fact]
    public void Nvidia_smi_lists_are_read()
    {
        var devices = GpuDevice.ParseList("0, 81559 MiB\n1, 40960 MiB\n\n2, [N/A]\nnot a gpu\n");

        Assert.Equal([new GpuDevice(0, 81559), new GpuDevice(1, 40960), new GpuDevice(2, 0)], devices);
    }

    [Fact]
    public void Instances_go_to_the_device_with_the_most_unpromised_memory()
    {
        var gpus = new GpuDevices([new GpuDevice(0, 80_000), new GpuDevice(1, 80_000)]);

        var a = gpus.Assign(24_000)!;
        var b = gpus.Assign(24_000)!;
        var c = gpus.Assign(40_000)!;
        gpus.Release(a);
        var d = gpus.Assign(1_000)!;

        Assert.Equal(0, a.Index); // a tie: the lower index
        Assert.Equal(1, b.Index); // 80 000 free beats 56 000
        Assert.Equal(0, c.Index); // 56 000 each, one instance each: the lower index
        Assert.Equal(1, d.Index); // after a leaves, 40 000 free on device 0, 56 000 on device 1
        Assert.Null(new GpuDevices([]).Assign(1));
    }

    [SkippableFact]
    public void Without_nvidia_smi_there_are_no_gpus()
    {
        Skip.If(HostTools.Find("nvidia-smi") is not null, "this host has nvidia-smi, so the case without it cannot be seen here");

        var tools = GpuTools.Detect(NullLogger.Instance);

        Assert.False(tools.HasDevices);
        Assert.Null(tools.Checkpoint);
        Assert.Equal("none", tools.Describe());
    }

    [Fact]
    public async Task A_gpu_instance_is_checkpointed_before_it_is_frozen_and_restored_after_it_is_thawed()
    {
        var tools = FakeTools();
        // SIGSTOP shows in /proc as state T, so the stand-in can tell whether it ran on a frozen process.
        var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, PlainProcesses.Options,
            new HostOverrides { Freezer = FreezerKind.Sigstop, Gpu = tools });
        var gpuLaunch = _functions.Launch() with { GpuMemoryMb = 8_000 };

        var first = (ProcessInstance)await runtime.StartAsync(gpuLaunch, CancellationToken.None);
        var second = (ProcessInstance)await runtime.StartAsync(_functions.Launch() with { GpuMemoryMb = 8_000 }, CancellationToken.None);
        await using var cpuOnly = (ProcessInstance)await runtime.StartAsync(_functions.Launch(), CancellationToken.None);
        var pid = first.ProcessId!.Value;
        try
        {
            Assert.Equal("0", await ProcessRuntimeStartTests.GetAsync(first, "env/CUDA_VISIBLE_DEVICES"));
            Assert.Equal("PCI_BUS_ID", await ProcessRuntimeStartTests.GetAsync(first, "env/CUDA_DEVICE_ORDER"));
            Assert.Equal("1", await ProcessRuntimeStartTests.GetAsync(second, "env/CUDA_VISIBLE_DEVICES"));
            Assert.Equal("<unset>", await ProcessRuntimeStartTests.GetAsync(cpuOnly, "env/CUDA_VISIBLE_DEVICES"));
            Assert.StartsWith("2 (0: 16384 MiB, 1: 16384 MiB); cuda-checkpoint", runtime.Describe()["gpu"], StringComparison.Ordinal);

            await first.FreezeAsync(CancellationToken.None);
            await first.FreezeAsync(CancellationToken.None);
            await cpuOnly.FreezeAsync(CancellationToken.None);

            Assert.Equal([$"--get-state {pid} running", $"--toggle {pid} running"], Calls());
            Assert.Equal("checkpointed", State(pid));

            await first.ThawAsync(CancellationToken.None);
            await first.ThawAsync(CancellationToken.None);
            await cpuOnly.ThawAsync(CancellationToken.None);

            Assert.Equal([$"--get-state {pid} running", $"--toggle {pid} running", $"--toggle {pid} running"], Calls());
            Assert.Equal("running", State(pid));
            Assert.Equal(pid.ToString(), await ProcessRuntimeStartTests.GetAsync(first, "ping"));
        }
        finally
        {
            await first.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            await second.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }

        // Both devices are free again, so the next instance gets the first.
        await using var third = await runtime.StartAsync(_functions.Launch() with { GpuMemoryMb = 8_000 }, CancellationToken.None);
        Assert.Equal("0", await ProcessRuntimeStartTests.GetAsync(third, "env/CUDA_VISIBLE_DEVICES"));
    }

    [Fact]
    public async Task A_process_without_cuda_state_is_still_frozen_cpu_side()
    {
        var tools = FakeTools();
        var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, PlainProcesses.Options,
            new HostOverrides { Freezer = FreezerKind.Sigstop, Gpu = tools });
        await using var instance = (ProcessInstance)await runtime.StartAsync(_functions.Launch() with { GpuMemoryMb = 1_000 }, CancellationToken.None);
        File.WriteAllText(_functions.PathOf("gpu-state/" + instance.ProcessId), "no-cuda");

        await instance.FreezeAsync(CancellationToken.None);
        Assert.True(instance.IsFrozen);
        await instance.ThawAsync(CancellationToken.None);

        Assert.Equal([$"--get-state {instance.ProcessId} running"], Calls());
        Assert.Equal(instance.ProcessId.ToString(), await ProcessRuntimeStartTests.GetAsync(instance, "ping"));
    }

    public void Dispose() => _functions.Dispose();

    /// <summary>
    /// Stand-ins: nvidia-smi lists two 16 GB GPUs; cuda-checkpoint keeps each pid's state in a file
    /// (a state "no-cuda" makes it fail as for a process without a CUDA context) and logs each call
    /// with the state letter the process had in /proc at that moment.
    /// </summary>
    private GpuTools FakeTools()
    {
        var states = _functions.PathOf("gpu-state");
        Directory.CreateDirectory(states);
        var smi = _functions.Script("nvidia-smi", """
            [ "$1" = --query-gpu=index,memory.total ] && [ "$2" = --format=csv,noheader ] || exit 2
            printf '0, 16384 MiB\n1, 16384 MiB\n'
            """);
        var checkpoint = _functions.Script("cuda-checkpoint", $$"""
            [ "$2" = --pid ] || exit 2
            pid=$3
            file="{{states}}/$pid"
            letter=$(sed 's/.*) //' /proc/$pid/stat | cut -d' ' -f1)
            [ "$letter" = T ] && seen=stopped || seen=running
            echo "$1 $pid $seen" >> "{{states}}/calls"
            state=$(cat "$file" 2>/dev/null || echo running)
            [ "$state" = no-cuda ] && { echo "CUDA driver: no context in pid $pid" >&2; exit 1; }
            case "$1" in
              --get-state) echo "$state" ;;
              --toggle) [ "$state" = running ] && echo checkpointed > "$file" || echo running > "$file" ;;
              *) exit 2 ;;
            esac
            """);
        return GpuTools.Detect(NullLogger.Instance, smi, checkpoint);
    }

    private string[] Calls() => File.Exists(_functions.PathOf("gpu-state/calls")) ? File.ReadAllLines(_functions.PathOf("gpu-state/calls")) : [];

    private string State(int pid) => File.ReadAllText(_functions.PathOf($"gpu-state/{pid}")).Trim();
}
