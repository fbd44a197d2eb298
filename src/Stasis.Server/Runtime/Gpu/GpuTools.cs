using Microsoft.Extensions.Logging;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Gpu;

/// <summary>
/// The host's GPUs (from nvidia-smi) and NVIDIA's cuda-checkpoint, found once at start-up. Without
/// GPUs instances are frozen CPU-side only; without cuda-checkpoint a frozen GPU instance keeps its
/// device memory.
/// </summary>
internal sealed class GpuTools
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(20);

    internal GpuTools(IReadOnlyList<GpuDevice> devices, CudaCheckpoint? checkpoint, string? problem = null)
    {
        Devices = new GpuDevices(devices);
        Checkpoint = devices.Count > 0 ? checkpoint : null;
        Problem = problem;
    }

    public static GpuTools None { get; } = new([], null);

    public GpuDevices Devices { get; }

    /// <summary>The tool that moves device state out of a frozen instance; null without it (or without GPUs).</summary>
    public CudaCheckpoint? Checkpoint { get; }

    /// <summary>Why there are no GPUs although nvidia-smi is there, or null.</summary>
    public string? Problem { get; }

    public bool HasDevices => Devices.Devices.Count > 0;

    /// <summary>The host's CDI spec for NVIDIA GPUs, which gives sandboxed instances the driver's files; null without one.</summary>
    public CdiSpec? Cdi { get; init; }

    /// <summary>Looks for nvidia-smi and cuda-checkpoint on PATH (or the given paths) and lists the GPUs.</summary>
    public static GpuTools Detect(ILogger logger, string? nvidiaSmi = null, string? cudaCheckpoint = null)
    {
        nvidiaSmi ??= HostTools.Find("nvidia-smi");
        cudaCheckpoint ??= HostTools.Find("cuda-checkpoint");
        if (nvidiaSmi is null)
        {
            GpuLog.NoTools(logger);
            return None;
        }

        List<GpuDevice> devices;
        try
        {
            var result = HostCommand.Run(nvidiaSmi, GpuDevice.QueryArguments, QueryTimeout);
            if (result.ExitCode != 0)
            {
                return NoDevices(logger, $"nvidia-smi exited with code {result.ExitCode}: {result.Error.Trim()}{result.Output.Trim()}");
            }

            devices = GpuDevice.ParseList(result.Output);
        }
        catch (HostCommandException e)
        {
            return NoDevices(logger, e.Message);
        }

        if (devices.Count == 0)
        {
            return NoDevices(logger, "nvidia-smi lists no GPU");
        }

        var tools = new GpuTools(devices, cudaCheckpoint is null ? null : new CudaCheckpoint(cudaCheckpoint, CudaCheckpoint.DefaultTimeout))
        {
            Cdi = CdiSpec.Find(CdiSpec.Directories, out _),
        };
        if (tools.Checkpoint is null)
        {
            GpuLog.NoCheckpoint(logger, tools.Describe());
        }
        else
        {
            GpuLog.Detected(logger, tools.Describe());
        }

        return tools;
    }

    /// <summary>For the status API: "none", or the devices and what freezing does with them.</summary>
    public string Describe()
    {
        if (!HasDevices)
        {
            return Problem is null ? "none" : $"none ({Problem})";
        }

        var list = string.Join(", ", Devices.Devices.Select(d => $"{d.Index}: {d.MemoryMb} MiB"));
        var freezing = Checkpoint is null
            ? "no cuda-checkpoint: a frozen instance keeps its GPU memory"
            : $"cuda-checkpoint ({Checkpoint.Path})";
        var sandbox = Cdi is null
            ? "no CDI spec: sandboxed instances get their GPU's device nodes, and an image not the driver's libraries (nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml)"
            : $"CDI {Cdi.Path}";
        return $"{Devices.Devices.Count} ({list}); {freezing}; {sandbox}";
    }

    private static GpuTools NoDevices(ILogger logger, string problem)
    {
        GpuLog.NoDevices(logger, problem);
        return new GpuTools([], null, problem);
    }
}
