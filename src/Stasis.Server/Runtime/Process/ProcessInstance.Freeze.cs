using Stasis.Server.Runtime.Freezing;
using Stasis.Server.Runtime.Gpu;

namespace Stasis.Server.Runtime.Process;

/// <summary>
/// Freeze and thaw. One gate serialises them (and stop's thaw) per instance, so two callers never
/// interleave a checkpoint with a thaw; uncontended, taking it completes synchronously, which keeps a
/// thaw down to one write to the freezer.
/// </summary>
public sealed partial class ProcessInstance
{
    private readonly InstanceFreezing _freezing;
    private readonly SemaphoreSlim _freezeGate = new(1, 1);
    private IInstanceFreezer? _cpuFreezer;
    private bool _frozen;
    private bool _checkpointed;
    private bool _freezeClosed;
    private bool _warnedCuda;

    /// <summary>Whether the instance's processes are frozen now.</summary>
    public bool IsFrozen => Volatile.Read(ref _frozen);

    /// <summary>The GPU the instance was given (its CUDA_VISIBLE_DEVICES), or null.</summary>
    public int? GpuIndex => _freezing.Gpu?.Index;

    /// <summary>How this instance is frozen: cgroup-v2, cgroup-v1 or sigstop (its own fallback where it is not in the host's freezer group).</summary>
    internal string FreezerName => (_cpuFreezer?.Kind ?? _freezing.Freezer.Kind).Name();

    public async Task FreezeAsync(CancellationToken cancellationToken)
    {
        await _freezeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfUnavailable();
            if (_frozen)
            {
                return;
            }

            // Device state first: cuda-checkpoint works through the process's own CUDA threads, which must run.
            var checkpointedNow = await CheckpointGpuAsync().ConfigureAwait(false);
            try
            {
                _cpuFreezer ??= _freezing.Freezer.Attach(new FreezeTarget(InstanceId, _pid, Exited, Cgroups, _ownProcessGroup, _time));
                await _cpuFreezer.FreezeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch when (checkpointedNow)
            {
                // Leave the instance as it was: running, with its device memory back.
                await RestoreGpuAsync().ConfigureAwait(false);
                throw;
            }

            Volatile.Write(ref _frozen, true);
        }
        catch (InstanceFreezeException e)
        {
            FreezerLog.FreezeFailed(_logger, InstanceId, e.Message);
            throw;
        }
        finally
        {
            _freezeGate.Release();
        }
    }

    public async Task ThawAsync(CancellationToken cancellationToken)
    {
        if (!_freezeGate.Wait(0, CancellationToken.None))
        {
            await _freezeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            ThrowIfUnavailable();
            if (_frozen)
            {
                _cpuFreezer!.Thaw();
                Volatile.Write(ref _frozen, false);
            }

            if (_checkpointed)
            {
                await RestoreGpuAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _freezeGate.Release();
        }
    }

    /// <summary>
    /// Called by stop before SIGTERM: a frozen process would not act on it until its grace ran out,
    /// and one frozen by the v1 freezer would not even die of SIGKILL. Device state stays checkpointed:
    /// bringing it back could take seconds and GPU memory that is no longer free, only to be dropped.
    /// </summary>
    private async Task ThawForStopAsync()
    {
        await _freezeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _freezeClosed = true;
            if (_frozen)
            {
                try
                {
                    _cpuFreezer!.Thaw();
                }
                catch (InstanceFreezeException e)
                {
                    FreezerLog.FreezeFailed(_logger, InstanceId, e.Message);
                }

                Volatile.Write(ref _frozen, false);
            }
        }
        finally
        {
            _freezeGate.Release();
        }
    }

    /// <summary>Called once stop has ended the processes, before their groups are removed.</summary>
    private void ReleaseFreezing()
    {
        _cpuFreezer?.Dispose();
        _freezing.Released(this);
    }

    private void ThrowIfUnavailable()
    {
        if (Exited.IsCompleted)
        {
            throw new InstanceFreezeException($"process gone: the main process {_pid} of instance {InstanceId} has exited");
        }

        if (_freezeClosed)
        {
            throw new InstanceFreezeException($"instance {InstanceId} is stopping");
        }
    }

    /// <summary>Moves the device state out where the instance has a GPU; true when this call did it.</summary>
    private async Task<bool> CheckpointGpuAsync()
    {
        if (_freezing.Cuda is not { } cuda || _checkpointed)
        {
            return false;
        }

        CudaProcessState state;
        try
        {
            state = await cuda.GetStateAsync(ProcessId!.Value).ConfigureAwait(false);
        }
        catch (InstanceFreezeException e)
        {
            // A process that has not created a CUDA context (yet) has nothing to move; freezing its CPU
            // side still saves what it can.
            WarnNoCudaState(e.Message);
            return false;
        }

        switch (state)
        {
            case CudaProcessState.Checkpointed:
                _checkpointed = true;
                return false;
            case CudaProcessState.Running:
                await cuda.ToggleAsync(ProcessId!.Value).ConfigureAwait(false);
                _checkpointed = true;
                return true;
            default:
                WarnNoCudaState($"state {state.ToString().ToLowerInvariant()}");
                return false;
        }
    }

    private async Task RestoreGpuAsync()
    {
        var cuda = _freezing.Cuda!;
        try
        {
            await cuda.ToggleAsync(ProcessId!.Value).ConfigureAwait(false);
        }
        catch (InstanceFreezeException)
        {
            // A toggle that failed may still have left the process running (or someone restored it already).
            if (await StateOrUnknownAsync(cuda).ConfigureAwait(false) != CudaProcessState.Running)
            {
                throw;
            }
        }

        _checkpointed = false;
    }

    private async Task<CudaProcessState> StateOrUnknownAsync(CudaCheckpoint cuda)
    {
        try
        {
            return await cuda.GetStateAsync(ProcessId!.Value).ConfigureAwait(false);
        }
        catch (InstanceFreezeException)
        {
            return CudaProcessState.Unknown;
        }
    }

    private void WarnNoCudaState(string reason)
    {
        if (!_warnedCuda)
        {
            _warnedCuda = true;
            FreezerLog.NoCudaState(_logger, InstanceId, _pid, reason);
        }
    }
}
