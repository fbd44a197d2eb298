using System.Globalization;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Gpu;

/// <summary>A process's CUDA state as <c>cuda-checkpoint --get-state</c> reports it.</summary>
internal enum CudaProcessState
{
    Unknown,
    Running,
    Locked,
    Checkpointed,
    Failed,
}

/// <summary>
/// NVIDIA's <c>cuda-checkpoint</c>: <c>--toggle --pid P</c> moves a running process's device memory to
/// host memory and releases the GPU (running → checkpointed), or brings it back (checkpointed →
/// running); <c>--get-state --pid P</c> tells which it is in. It drives the process's own CUDA
/// threads, so the process must not be frozen while it runs.
/// </summary>
internal sealed class CudaCheckpoint(string path, TimeSpan timeout)
{
    /// <summary>Copying tens of GB of device memory out takes seconds; the bound only catches a hung tool.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    public string Path => path;

    internal static IReadOnlyList<string> ToggleArguments(int pid) => ["--toggle", "--pid", pid.ToString(CultureInfo.InvariantCulture)];

    internal static IReadOnlyList<string> GetStateArguments(int pid) => ["--get-state", "--pid", pid.ToString(CultureInfo.InvariantCulture)];

    internal static CudaProcessState ParseState(string output) => output.Trim().ToLowerInvariant() switch
    {
        "running" => CudaProcessState.Running,
        "locked" => CudaProcessState.Locked,
        "checkpointed" => CudaProcessState.Checkpointed,
        "failed" => CudaProcessState.Failed,
        _ => CudaProcessState.Unknown,
    };

    /// <summary>Throws <see cref="InstanceFreezeException"/> when the tool fails (for one, on a process that never used CUDA).</summary>
    public async Task<CudaProcessState> GetStateAsync(int pid) => ParseState(await RunAsync(GetStateArguments(pid)).ConfigureAwait(false));

    /// <summary>Throws <see cref="InstanceFreezeException"/> when the tool fails.</summary>
    public Task ToggleAsync(int pid) => RunAsync(ToggleArguments(pid));

    private async Task<string> RunAsync(IReadOnlyList<string> arguments)
    {
        CommandResult result;
        try
        {
            result = await HostCommand.RunAsync(path, arguments, timeout).ConfigureAwait(false);
        }
        catch (HostCommandException e)
        {
            throw new InstanceFreezeException($"cuda-checkpoint {string.Join(' ', arguments)}: {e.Message}", e);
        }

        if (result.ExitCode != 0)
        {
            var said = (result.Error.Trim() + " " + result.Output.Trim()).Trim();
            throw new InstanceFreezeException($"cuda-checkpoint {string.Join(' ', arguments)} exited with code {result.ExitCode}: {said}");
        }

        return result.Output;
    }
}
