using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Runtime;
using Stasis.Server.Scheduling.Placement;

namespace Stasis.Server.Scheduling;

/// <summary>Instance life as the dispatcher drives it: start, initialize, serve, drain, stop.</summary>
internal sealed partial class FunctionDispatcher
{
    /// <summary>
    /// The instance with a free slot that takes the next request from the function's queue, as
    /// join-idle-queue ranks them (<see cref="JoinIdleQueuePolicy"/>); null when every slot is taken.
    /// </summary>
    private Instance? PickFree()
    {
        var count = Candidates(staleOnlyIfNeeded: false);
        var chosen = count == 0 ? -1 : JoinIdleQueuePolicy.Instance.Choose(_candidates.AsSpan(0, count));
        return chosen < 0 ? null : _candidateInstances[chosen];
    }

    /// <summary>
    /// The instance a policy that binds on arrival gives a new request to, among those that can serve
    /// (outdated ones only when nothing current can); null when none can serve yet.
    /// </summary>
    private Instance? ChooseForArrival()
    {
        var count = Candidates(staleOnlyIfNeeded: true);
        return count == 0 ? null : _candidateInstances[_policy.Choose(_candidates.AsSpan(0, count))];
    }

    /// <summary>Fills the candidate buffers with the instances that can serve; returns how many.</summary>
    private int Candidates(bool staleOnlyIfNeeded)
    {
        if (_candidates.Length < _instances.Count)
        {
            _candidates = new PlacementCandidate[_instances.Count * 2];
            _candidateInstances = new Instance[_instances.Count * 2];
        }

        var count = 0;
        var current = 0;
        foreach (var instance in _instances)
        {
            if (!instance.State.CanServe() || instance.Handle!.Exited.IsCompleted)
            {
                continue; // not ready, draining, or its process is gone and the exit watcher has not caught up yet
            }

            var tier = Tier(instance);
            current += tier < StaleTier ? 1 : 0;
            _candidateInstances[count] = instance;
            _candidates[count++] = new PlacementCandidate(tier, instance.InFlight, instance.Backlog.Count, instance.Slots,
                (instance.LastUsedAt ?? instance.ReadyAt ?? DateTimeOffset.MinValue).UtcTicks);
        }

        if (!staleOnlyIfNeeded || current == 0 || current == count)
        {
            return count;
        }

        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            if (_candidates[i].Tier < StaleTier)
            {
                _candidates[kept] = _candidates[i];
                _candidateInstances[kept++] = _candidateInstances[i];
            }
        }

        return kept;
    }

    private const int StaleTier = 10;

    /// <summary>
    /// Lower is better: the current version before outdated or retired instances; then warm before
    /// frozen (a thaw costs a little) — among warm ones provisioned (already paid for) before on-demand.
    /// </summary>
    private int Tier(Instance i)
    {
        var stale = i.Version != _record.Version || i.Retired ? StaleTier : 0;
        var warmth = i.State == InstanceState.Frozen || i.FreezeEngaged ? 2
            : i.Kind == Metering.InstanceKind.Provisioned ? 0 : 1;
        return stale + warmth;
    }

    /// <summary>Gives <paramref name="instance"/>'s slot to a request; <paramref name="waited"/> is the queued request it serves, if any.</summary>
    private Lease Take(Instance instance, Arrival arrival, QueuedRequest? waited)
    {
        var timestamp = _ctx.Time.GetTimestamp();
        var wait = waited is null ? TimeSpan.Zero : _ctx.Time.GetElapsedTime(waited.EnqueuedAt, timestamp);
        _waits.Record(wait, waited is not null);
        instance.TakeSlot(_ctx.Time.GetUtcNow(), timestamp);
        return new Lease(this, instance, instance.Handle!, arrival, timestamp, wait);
    }

    /// <summary>Hands free slots to queued requests, oldest first; <paramref name="arrival"/> says how they waited.</summary>
    private void PumpQueue(Arrival arrival = Arrival.Warm)
    {
        while (_queue.First is { } head)
        {
            var free = PickFree();
            if (free is null)
            {
                return;
            }

            _queue.RemoveFirst();
            Complete(head.Value, free, arrival);
        }
    }

    /// <summary>The requests bound to <paramref name="instance"/> take its free slots, oldest first.</summary>
    private void ServeBacklog(Instance instance)
    {
        while (instance.FreeSlots > 0 && instance.Backlog.First is { } head)
        {
            instance.Backlog.RemoveFirst();
            Complete(head.Value, instance, Arrival.Warm);
        }
    }

    private void Complete(QueuedRequest request, Instance instance, Arrival arrival)
    {
        var lease = Take(instance, arrival, request);
        Follow(request, instance, lease);
        if (!request.Completion.TrySetResult(lease))
        {
            // Cannot happen while cancellation removes the request under the lock first; never leak the slot.
            lease.Dispose();
        }
    }

    /// <summary>
    /// <paramref name="instance"/> can no longer serve: the requests bound to it move to the
    /// function's queue, in arrival order, and take whatever slot is free. Under the lock.
    /// </summary>
    private void Rehome(Instance instance)
    {
        if (instance.Backlog.Count == 0)
        {
            return;
        }

        while (instance.Backlog.First is { } node)
        {
            instance.Backlog.RemoveFirst();
            var before = _queue.First;
            while (before is not null && before.Value.EnqueuedAt <= node.Value.EnqueuedAt)
            {
                before = before.Next;
            }

            node.Value.Node = before is null ? _queue.AddLast(node.Value) : _queue.AddBefore(before, node.Value);
        }

        PumpQueue();
    }

    /// <summary>
    /// Starts instances while more requests wait than the slots already on their way can take, up to
    /// the function's maximum — unless the busy slots are expected to free sooner than a cold start
    /// (<see cref="StartEstimate"/>) and no request has already waited that long. Example: 5 queued,
    /// one instance starting with 4 slots, max 10 → one more starts (5 &gt; 4), and the next queued
    /// request starts none (6 &lt;= 8).
    /// </summary>
    private List<(Instance, FunctionRecord)> PlanStarts()
    {
        var starts = new List<(Instance, FunctionRecord)>();
        var waiting = Waiting();
        if (waiting == 0)
        {
            _startRefused = null;
            return starts;
        }

        var coming = 0;
        var running = 0; // maxInstances bounds on-demand scale-out; provisioned instances count toward it but are never refused.
        var servingSlots = 0;
        foreach (var i in _instances)
        {
            if (i.Version != _record.Version || i.State == InstanceState.Draining)
            {
                continue;
            }

            running++;
            coming += i.State.IsStarting() ? i.Slots : 0;
            servingSlots += i.State.CanServe() && !i.Retired ? i.Slots : 0;
        }

        var overdue = _estimate.ColdStart is { } cold && OldestWait() >= cold;
        var max = _record.Spec.EffectiveMaxInstances;
        while (waiting > coming && running < max)
        {
            if (!overdue && !_estimate.StartPays(waiting - coming, servingSlots))
            {
                break; // the busy slots will serve the rest sooner than a new instance could
            }

            if (TryNewInstance(Metering.InstanceKind.OnDemand) is not { } instance)
            {
                // The server is full: the requests wait as they would at maxInstances; Tick tries again.
                _startRefused = _ctx.Budget.Refusal;
                break;
            }

            _startRefused = null;
            starts.Add((instance, _record));
            coming += instance.Slots;
            running++;
        }

        return starts;
    }

    /// <summary>How long the request waiting longest has waited.</summary>
    private TimeSpan OldestWait()
    {
        var oldest = _queue.First?.Value.EnqueuedAt ?? long.MaxValue;
        foreach (var i in _instances)
        {
            if (i.Backlog.First is { } head && head.Value.EnqueuedAt < oldest)
            {
                oldest = head.Value.EnqueuedAt;
            }
        }

        return oldest == long.MaxValue ? TimeSpan.Zero : _ctx.Time.GetElapsedTime(oldest);
    }

    /// <summary>
    /// The one place an instance comes to be: it joins the pool only with a place in the server's budget of live
    /// instances (<see cref="InstanceBudget"/>). Null when the server is at that limit; the caller says so where it shows.
    /// Every instance leaves through <see cref="RemoveInstance"/>, which gives the place back. Under the lock.
    /// </summary>
    private Instance? TryNewInstance(Metering.InstanceKind kind)
    {
        var id = $"{Name}-{_ctx.Ids.Short()}";
        var instance = new Instance(id, Name, _record.Version, _record.Spec.InstanceConcurrency, _ctx.Time.GetUtcNow(), _ctx.Log.InstanceLogPath(Name, id), kind, _ctx.Meter)
        {
            FreezeLock = new AsyncGate(_ctx.InlineContinuations),
        };
        if (!_ctx.Budget.TryTake())
        {
            return null;
        }

        _instances.Add(instance);
        return instance;
    }

    /// <summary>Takes an instance out of the pool and gives its place in the server's budget back; false if it was not in it. Under the lock.</summary>
    private bool RemoveInstance(Instance instance)
    {
        if (!_instances.Remove(instance))
        {
            return false;
        }

        _ctx.Budget.Return();
        return true;
    }

    private void Launch(List<(Instance Instance, FunctionRecord Record)>? starts)
    {
        if (starts is null)
        {
            return;
        }

        // Safe under the lock (Monitor is re-entrant): nothing here blocks; the journal write runs in the task.
        foreach (var (instance, record) in starts)
        {
            var task = _ctx.Spawn(() => RunInstanceAsync(instance, record));
            lock (_gate)
            {
                _work.RemoveAll(t => t.IsCompleted);
                _work.Add(task);
            }
        }
    }

    private async Task RunInstanceAsync(Instance instance, FunctionRecord record)
    {
        IRuntimeInstance? handle = null;
        _ctx.Journal.Record(instance.ToInfo());
        try
        {
            var launch = _ctx.Launches.Create(record, instance.Id, instance.LogPath, line => _ctx.Log.Write(Name, $"[{instance.Id}] {line}")) with
            {
                WriteLogFile = false, // the function log has each line, once
            };
            instance.Image = launch.Image?.Digest;
            using (await _ctx.Starts.EnterAsync(_lifetime.Token).ConfigureAwait(false))
            {
                Log.Starting(_ctx.Logger, Name, instance.Id, string.Join(' ', launch.Argv));
                instance.Spawned(Metered(instance, record), _ctx.Time.GetUtcNow());
                handle = await _ctx.Runtime.StartAsync(launch, _lifetime.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    instance.Launched(handle, _ctx.Time.GetUtcNow());
                }

                _ctx.Journal.Record(instance.ToInfo());
                if (InstanceLaunchFactory.HasInitializer(record.Spec))
                {
                    await InitializeAsync(instance, handle, record).ConfigureAwait(false);
                }
            }

            lock (_gate)
            {
                OnReady(instance);
            }

            _ctx.Journal.Record(instance.ToInfo());
            _ = WatchExitAsync(instance, handle);
        }
        catch (Exception e)
        {
            var message = e switch
            {
                InstanceStartException s when s.OutputExcerpt is { Length: > 0 } excerpt => $"{s.Message}; last output: {excerpt}",
                InstanceStartException or DispatchException => e.Message,
                OperationCanceledException => "stopped before it was ready",
                _ => $"{e.GetType().Name}: {e.Message}",
            };
            lock (_gate)
            {
                OnStartFailed(instance, message);
            }

            if (handle is not null)
            {
                await handle.StopAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
                await handle.DisposeAsync().ConfigureAwait(false);
            }

            lock (_gate)
            {
                instance.Gone(_ctx.Time.GetUtcNow());
                CheckAllStopped();
            }

            _ctx.Journal.Record(instance.ToInfo());
        }
    }

    private async Task InitializeAsync(Instance instance, IRuntimeInstance handle, FunctionRecord record)
    {
        var requestId = $"init-{_ctx.Ids.Secret()}";
        _ctx.Log.Write(Name, $"FC Initialize Start RequestId: {requestId} Instance: {instance.Id}");
        try
        {
            await LifecycleHooks.InitializeAsync(handle, record.Spec, requestId, _ctx.Region, _ctx.Time, _lifetime.Token).ConfigureAwait(false);
            _ctx.Log.Write(Name, $"FC Initialize End RequestId: {requestId} Instance: {instance.Id}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !_lifetime.IsCancellationRequested)
        {
            var message = handle.Exited.IsCompleted
                ? $"instance {(await handle.Exited.ConfigureAwait(false)).Reason} during initialize"
                : e.Message;
            _ctx.Log.Write(Name, $"FC Initialize Failed RequestId: {requestId} Instance: {instance.Id} Error: {message}");
            throw new InstanceStartException(message, (e as InstanceStartException)?.OutputExcerpt, e);
        }
    }

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
