using Stasis.Server.Clock;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Metering;
using Stasis.Server.Runtime;

namespace Stasis.Server.Scheduling;

/// <summary>Idle mode's freeze and thaw: an instance is frozen the moment it has no request, thawed for the next one or for its stop; a thaw that fails takes it out of the pool.</summary>
internal sealed partial class FunctionDispatcher
{
    /// <summary>Idle mode: a provisioned instance with nothing in flight is frozen (after the grace). Under the lock.</summary>
    private void MaybeFreeze(Instance instance)
    {
        if (!_provision.IdleMode || _closedReason is not null || instance.Kind != InstanceKind.Provisioned || instance.Retired
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
                if (!_provision.IdleMode || instance.InFlight != 0 || instance.State != InstanceState.Ready || instance.PhysicallyFrozen || instance.Retired)
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
}
