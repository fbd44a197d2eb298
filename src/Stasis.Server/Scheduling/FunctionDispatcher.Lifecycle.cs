using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Runtime;
using Stasis.Server.Scheduling.Placement;

namespace Stasis.Server.Scheduling;

/// <summary>Instance life after the start, as the dispatcher drives it: ready, failed, exited, drained, stopped.</summary>
internal sealed partial class FunctionDispatcher
{
    private void OnReady(Instance instance)
    {
        if (instance.State != InstanceState.Initializing)
        {
            // Closed or retired while it started: it never serves.
            if (instance.State == InstanceState.Draining)
            {
                StopLater(instance);
            }

            return;
        }

        instance.BecameReady(_ctx.Time.GetUtcNow());
        _estimate.RecordColdStart(instance.ReadyAt!.Value - instance.StartedAt);
        if (instance.Kind == Metering.InstanceKind.Provisioned && instance.Version == _record.Version)
        {
            ProvisionSucceeded();
        }

        Log.Ready(_ctx.Logger, Name, instance.Id, (instance.ReadyAt.Value - instance.StartedAt).TotalMilliseconds);
        if (instance.Version == _record.Version)
        {
            // Rolling: each new instance that is ready retires one outdated instance.
            var outdated = _instances
                .Where(i => i.Version < _record.Version && i.State != InstanceState.Draining)
                .OrderBy(i => i.State.CanServe() ? 1 : 0).ThenBy(i => i.InFlight)
                .FirstOrDefault();
            if (outdated is not null)
            {
                BeginDrain(outdated);
            }
        }
        else if (_instances.Any(i => i.Version == _record.Version && i.State.IsLive() && i.State != InstanceState.Draining))
        {
            BeginDrain(instance);
            return;
        }

        ServeBacklog(instance); // sessions opened on it while it started
        PumpQueue(Arrival.Cold);
        Launch(Reconcile());
        if (instance.InFlight == 0)
        {
            instance.Settled(_ctx.Time.GetUtcNow(), evenIfDraining: true);
            MaybeFreeze(instance);
        }
    }

    private void OnStartFailed(Instance instance, string message)
    {
        if (!RemoveInstance(instance))
        {
            return; // already stopped by a forced shutdown
        }

        instance.StartFailed(message, closing: _closedReason is not null, _ctx.Time.GetUtcNow());
        Remember(instance);
        if (_closedReason is not null)
        {
            return;
        }

        Log.StartFailed(_ctx.Logger, Name, instance.Id, message);
        _ctx.Log.Write(Name, $"Instance {instance.Id} failed to start: {message}");
        _lastError = message;
        Rehome(instance); // requests of sessions opened on it wait for another instance
        if (instance.Kind == Metering.InstanceKind.Provisioned)
        {
            ProvisionFailed(message);
        }
        if (instance.Version == _record.Version && _instances.Any(i => i.Version < _record.Version))
        {
            _rolloutError = message;
        }

        // Nothing left that could serve the queue: tell the waiting requests now rather than at their deadline.
        if (!_instances.Any(i => i.State.IsLive() && i.State != InstanceState.Draining))
        {
            while (_queue.First is { } node)
            {
                _queue.RemoveFirst();
                node.Value.Completion.TrySetException(DispatchException.StartFailed(Name, message));
            }
        }
    }

    /// <summary>"while serving 2 requests", "while idle", "while frozen": what an instance that ended by itself was doing.</summary>
    private static string WhatItWasDoing(Instance instance) => instance.InFlight switch
    {
        1 => "while serving a request",
        > 1 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"while serving {instance.InFlight} requests"),
        _ => instance.State switch
        {
            InstanceState.Frozen => "while frozen",
            InstanceState.Starting => "while starting",
            _ => "while idle",
        },
    };

    private async Task WatchExitAsync(Instance instance, IRuntimeInstance handle)
    {
        var exit = await handle.Exited.ConfigureAwait(false);
        List<(Instance, FunctionRecord)>? starts = null;
        lock (_gate)
        {
            // Stopped by us, or already taken out of the pool (a failed thaw): nothing more to do.
            if (instance.State is InstanceState.Draining or InstanceState.Stopped || !RemoveInstance(instance))
            {
                return;
            }

            MarkFailed(instance, $"{exit.Reason} {WhatItWasDoing(instance)}");
            Log.Crashed(_ctx.Logger, Name, instance.Id, exit.Reason);
            _ctx.Log.Write(Name, $"Instance {instance.Id} {exit.Reason}");
            if (_closedReason is null)
            {
                starts = PlanStarts();
                starts.AddRange(Reconcile());
            }

            CheckAllStopped();
        }

        _ctx.Journal.Record(instance.ToInfo());
        Launch(starts);
        await handle.StopAsync(TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        await handle.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Takes no new work; stops once the last in-flight request is done.</summary>
    private void BeginDrain(Instance instance)
    {
        if (instance.State is InstanceState.Draining or InstanceState.Stopped or InstanceState.Failed)
        {
            return;
        }

        var wasStarting = instance.State.IsStarting();
        instance.Drain(_ctx.Time.GetUtcNow());
        Rehome(instance);
        if (!wasStarting && instance.InFlight == 0)
        {
            _ = StopLater(instance);
        }
    }

    private Task StopLater(Instance instance)
    {
        var task = _ctx.Spawn(() => StopInstanceAsync(instance));
        _work.RemoveAll(t => t.IsCompleted);
        _work.Add(task);
        return task;
    }

    private async Task StopInstanceAsync(Instance instance)
    {
        var handle = instance.Handle;
        if (handle is not null)
        {
            var spec = _record.Spec;
            var thawed = await ThawForStopAsync(instance).ConfigureAwait(false);
            if (thawed && InstanceLaunchFactory.HasPreStop(spec) && !handle.Exited.IsCompleted)
            {
                try
                {
                    await LifecycleHooks.PreStopAsync(handle, spec, $"prestop-{_ctx.Ids.Secret()}", _ctx.Region, _ctx.Time, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InstanceStartException or HttpRequestException or OperationCanceledException)
                {
                    _ctx.Log.Write(Name, $"Instance {instance.Id} pre-stop hook failed: {e.Message}");
                }
            }

            await handle.StopAsync(_ctx.StopGrace, CancellationToken.None).ConfigureAwait(false);
            await handle.DisposeAsync().ConfigureAwait(false);
        }

        lock (_gate)
        {
            if (RemoveInstance(instance))
            {
                instance.Stopped(_ctx.Time.GetUtcNow());
                Remember(instance);
            }

            CheckAllStopped();
        }

        Log.Stopped(_ctx.Logger, Name, instance.Id);
        _ctx.Journal.Record(instance.ToInfo());
    }

    /// <summary>An instance already out of the pool failed: record why, close its billing, keep it for `instances --all`. Under the lock.</summary>
    private void MarkFailed(Instance instance, string error)
    {
        instance.Failed(error, _ctx.Time.GetUtcNow());
        _lastError = error;
        Remember(instance);
        Rehome(instance);
    }

    private void Remember(Instance instance)
    {
        _ended.AddFirst(instance);
        while (_ended.Count > EndedKept)
        {
            _ended.RemoveLast();
        }
    }

    private void CheckAllStopped()
    {
        if (_allStopped is not null && _instances.Count == 0)
        {
            _allStopped.TrySetResult();
        }
    }
}
