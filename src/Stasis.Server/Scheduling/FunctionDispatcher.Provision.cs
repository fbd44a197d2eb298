using Stasis.Server.Clock;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Metering;
using Stasis.Server.Runtime;

namespace Stasis.Server.Scheduling;

/// <summary>
/// Provisioned instances and idle mode: keep <c>target</c> provisioned instances of the current
/// version; with idle mode, freeze each one the moment it has no request and thaw it for the next.
/// </summary>
internal sealed partial class FunctionDispatcher
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LastRetry = TimeSpan.FromMinutes(1);

    private int _target;
    private bool _idleMode;
    private string? _currentError;
    /// <summary>Why provisioned instances the target asks for did not start: the server's instance limit; null when all could.</summary>
    private string? _provisionRefused;
    private int _provisionFailures;
    private DateTimeOffset _nextProvisionAttempt = DateTimeOffset.MinValue;

    /// <summary>
    /// Sets the provision target and idle mode. Switching idle mode rotates the provisioned instances:
    /// replacements start and initialize first, and each one that is ready retires an old one.
    /// </summary>
    public void SetProvision(int target, bool idleMode)
    {
        lock (_gate)
        {
            if (_closedReason is not null)
            {
                return;
            }

            if (_idleMode != idleMode)
            {
                foreach (var instance in _instances.Where(i => i.Kind == InstanceKind.Provisioned && i.State != InstanceState.Draining))
                {
                    instance.Retired = true;
                }
            }

            _target = target;
            _idleMode = idleMode;
            _currentError = null;
            _provisionFailures = 0;
            _nextProvisionAttempt = DateTimeOffset.MinValue;
            Launch(Reconcile());
        }
    }

    /// <summary>
    /// The autoscaler's target: changes only the number of provisioned instances wanted (idle mode,
    /// errors and retry back-off stay), so calling it every tick with the same value does nothing.
    /// </summary>
    public void ScaleTo(int target)
    {
        lock (_gate)
        {
            if (_closedReason is not null || target == _target)
            {
                return;
            }

            _target = target;
            Launch(Reconcile());
        }
    }

    public ProvisionStatus ProvisionState()
    {
        lock (_gate)
        {
            var provisioned = _instances.Where(i => i.Kind == InstanceKind.Provisioned && i.State != InstanceState.Draining).ToList();
            return new ProvisionStatus(
                _target,
                provisioned.Count(i => i.State.CanServe() && !i.Retired && i.Version == _record.Version),
                provisioned.Count(i => i.State == InstanceState.Frozen),
                _idleMode,
                _currentError ?? _provisionRefused);
        }
    }

    /// <summary>
    /// Starts or drains provisioned instances so that <c>target</c> of the current version exist, and
    /// retires instances an idle-mode switch replaced once enough replacements are ready. Under the lock.
    /// Example: target 2, one ready and one starting, two retired → nothing starts, one retired may
    /// keep serving (2 − 1 ready), the other drains.
    /// </summary>
    private List<(Instance, FunctionRecord)> Reconcile()
    {
        var starts = new List<(Instance, FunctionRecord)>();
        var target = _closedReason is null ? _target : 0;
        var keep = _instances
            .Where(i => i.Kind == InstanceKind.Provisioned && !i.Retired && i.State != InstanceState.Draining && i.Version == _record.Version)
            .ToList();
        var missing = target - keep.Count;
        if (missing <= 0)
        {
            _provisionRefused = null;
        }

        if (missing > 0 && _ctx.Time.GetUtcNow() >= _nextProvisionAttempt)
        {
            _provisionRefused = null;
            for (var i = 0; i < missing; i++)
            {
                if (TryNewInstance(InstanceKind.Provisioned) is not { } instance)
                {
                    // current stays below target, with the reason in currentError; every Tick tries again.
                    _provisionRefused = $"{missing - i} of the target's instances cannot start: {_ctx.Budget.Refusal}";
                    break;
                }

                starts.Add((instance, _record));
            }
        }
        else if (missing < 0)
        {
            // Scale in: instances still starting first, then frozen ones, then the least busy.
            foreach (var extra in keep.OrderBy(i => i.State.IsStarting() ? 0 : i.State == InstanceState.Frozen ? 1 : 2).ThenBy(i => i.InFlight).Take(-missing))
            {
                BeginDrain(extra);
            }
        }

        var ready = keep.Count(i => i.State.CanServe());
        var mayServe = Math.Max(0, target - ready);
        foreach (var old in _instances.Where(i => i.Kind == InstanceKind.Provisioned && i.Retired && i.State != InstanceState.Draining)
                     .OrderBy(i => i.InFlight).Skip(mayServe).ToList())
        {
            BeginDrain(old);
        }

        return starts;
    }

    /// <summary>A provisioned instance failed to start: report it as currentError and back off before retrying.</summary>
    private void ProvisionFailed(string message)
    {
        _currentError = message;
        _provisionFailures++;
        var delay = TimeSpan.FromTicks(Math.Min(LastRetry.Ticks, FirstRetry.Ticks << Math.Min(_provisionFailures - 1, 10)));
        _nextProvisionAttempt = _ctx.Time.GetUtcNow() + delay;
    }

    /// <summary>
    /// A provisioned instance became ready: the error of earlier failed starts no longer says why current is short
    /// of target, and the next failure backs off from the first delay again. Under the lock.
    /// </summary>
    private void ProvisionSucceeded()
    {
        _currentError = null;
        _provisionFailures = 0;
        _nextProvisionAttempt = DateTimeOffset.MinValue;
    }

    /// <summary>Idle mode: a provisioned instance with nothing in flight is frozen (after the grace). Under the lock.</summary>
    private void MaybeFreeze(Instance instance)
    {
        if (!_idleMode || _closedReason is not null || instance.Kind != InstanceKind.Provisioned || instance.Retired
            || instance.InFlight != 0 || instance.State != InstanceState.Ready || instance.PhysicallyFrozen)
        {
            return;
        }

        _work.RemoveAll(t => t.IsCompleted);
        _work.Add(_ctx.Spawn(() => FreezeAsync(instance)));
    }

    private async Task FreezeAsync(Instance instance)
    {
        if (_ctx.FreezeGrace > TimeSpan.Zero)
        {
            await _ctx.Time.After(_ctx.FreezeGrace).ConfigureAwait(false);
        }

        await instance.FreezeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                if (!_idleMode || instance.InFlight != 0 || instance.State != InstanceState.Ready || instance.PhysicallyFrozen || instance.Retired)
                {
                    return;
                }

                // From here a request that takes a slot must wait for this freeze and thaw after it.
                instance.FreezeEngaged = true;
            }

            try
            {
                await instance.Handle!.FreezeAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InstanceFreezeException or IOException or UnauthorizedAccessException)
            {
                lock (_gate)
                {
                    instance.FreezeEngaged = false;
                }

                Log.FreezeFailed(_ctx.Logger, Name, instance.Id, e.Message);
                _ctx.Log.Write(Name, $"Instance {instance.Id} could not be frozen ({e.Message}); it stays warm and is billed active");
                return;
            }

            lock (_gate)
            {
                // A request that took a slot during the freeze now waits for its thaw: the instance shows as thawing.
                instance.Froze(_ctx.Time.GetUtcNow());
            }
        }
        finally
        {
            instance.FreezeLock.Release();
        }
    }

    /// <summary>
    /// Thaws an instance a request has taken a slot on. True if it was frozen. When the thaw fails the
    /// instance leaves the pool (a replacement starts if it was provisioned) and the exception goes on.
    /// </summary>
    internal async Task<bool> ThawForLeaseAsync(Instance instance, CancellationToken cancellationToken)
    {
        await instance.FreezeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!instance.PhysicallyFrozen)
            {
                instance.FreezeEngaged = false; // the freeze gave up, or another request thawed it
                return false;
            }

            try
            {
                await instance.Handle!.ThawAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InstanceFreezeException or IOException or UnauthorizedAccessException)
            {
                OnThawFailed(instance, e.Message);
                throw new InstanceFreezeException($"instance {instance.Id} could not be thawed: {e.Message}", e);
            }

            lock (_gate)
            {
                instance.Thawed(_ctx.Time.GetUtcNow());
                instance.FreezeEngaged = false;
                instance.Thaws++;
            }

            return true;
        }
        finally
        {
            instance.FreezeLock.Release();
        }
    }

    /// <summary>Before a stop: a frozen instance must run again to answer its pre-stop hook and SIGTERM. False if it could not.</summary>
    private async Task<bool> ThawForStopAsync(Instance instance)
    {
        await instance.FreezeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!instance.PhysicallyFrozen)
            {
                return true;
            }

            try
            {
                await instance.Handle!.ThawAsync(CancellationToken.None).ConfigureAwait(false);
                lock (_gate)
                {
                    instance.Thawed(_ctx.Time.GetUtcNow());
                    instance.FreezeEngaged = false;
                }

                return true;
            }
            catch (Exception e) when (e is InstanceFreezeException or IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
        finally
        {
            instance.FreezeLock.Release();
        }
    }

    private void OnThawFailed(Instance instance, string message)
    {
        lock (_gate)
        {
            if (!RemoveInstance(instance))
            {
                return;
            }

            MarkFailed(instance, $"thaw failed: {message}");
            _ctx.Log.Write(Name, $"Instance {instance.Id} {instance.Error}; its request goes to another instance");
            Launch(Reconcile());
            CheckAllStopped();
        }

        _ctx.Journal.Record(instance.ToInfo());
        _ = instance.Handle!.StopAsync(TimeSpan.Zero, CancellationToken.None);
    }

    private static MeteredInstance Metered(Instance instance, FunctionRecord record)
    {
        var spec = record.Spec;
        var gpuMb = spec.GpuConfig?.GpuMemorySize ?? spec.GpuMemorySize ?? 0;
        return new MeteredInstance(instance.Id, instance.FunctionName, instance.Kind,
            spec.Cpu ?? 0, spec.MemorySize / 1024.0, gpuMb / 1024.0);
    }
}

/// <summary>A function's provisioned instances right now.</summary>
internal sealed record ProvisionStatus(int Target, int Current, int Frozen, bool IdleMode, string? CurrentError);
