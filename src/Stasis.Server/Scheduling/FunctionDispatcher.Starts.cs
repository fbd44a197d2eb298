using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Runtime;
using Stasis.Server.Scheduling.Placement;

namespace Stasis.Server.Scheduling;

/// <summary>When an instance starts, and how: the start plan for waiting requests, the one place an instance comes to be, and its start and initializer.</summary>
internal sealed partial class FunctionDispatcher
{
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

    /// <summary>What an instance is billed for: its kind, vCPUs, memory and GPU memory.</summary>
    private static Metering.MeteredInstance Metered(Instance instance, FunctionRecord record)
    {
        var spec = record.Spec;
        var gpuMb = spec.GpuConfig?.GpuMemorySize ?? spec.GpuMemorySize ?? 0;
        return new Metering.MeteredInstance(instance.Id, instance.FunctionName, instance.Kind, spec.Cpu ?? 0, spec.MemorySize / 1024.0, gpuMb / 1024.0);
    }
}
