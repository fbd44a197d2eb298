using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.Server.Clock;
using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Runtime;
using Stasis.Server.Scheduling.Placement;

namespace Stasis.Server.Scheduling;

/// <summary>
/// One function's requests and instances: a FIFO queue of waiting requests and the instances with
/// their free slots. With the default policy (join-idle-queue) a slot that frees takes the head of
/// the queue at once; with the others a request is bound to the instance its policy chose and waits
/// in that instance's backlog. A request that finds no slot waits, and starts an instance when the
/// ones already starting cannot absorb the queue and a busy slot would not free sooner than a cold
/// start. All state changes happen under one lock; instance start/stop work runs outside it.
/// </summary>
internal sealed partial class FunctionDispatcher
{
    private const int EndedKept = 50;

    private readonly object _gate = new();
    private readonly DispatcherContext _ctx;
    private readonly List<Instance> _instances = new();
    private readonly LinkedList<QueuedRequest> _queue = new();
    private readonly LinkedList<Instance> _ended = new();
    private readonly List<Task> _work = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly DrainRate _drain = new();
    private readonly StartEstimate _estimate = new();
    private readonly QueueWaits _waits = new();
    private PlacementCandidate[] _candidates = new PlacementCandidate[8];
    private Instance[] _candidateInstances = new Instance[8];
    private IPlacementPolicy _policy;
    private FunctionRecord _record;
    private string? _rolloutError;
    private string? _lastError;
    private string? _closedReason;
    /// <summary>Set while requests wait because the server's instance limit refused a start for them (shown in 429 and 504 errors).</summary>
    private string? _startRefused;
    private TaskCompletionSource? _allStopped;
    /// <summary>The function's request rate limit; null when it sets none. Read without the lock.</summary>
    private volatile RequestRate? _rate;

    public FunctionDispatcher(FunctionRecord record, DispatcherContext context)
    {
        _record = record;
        _ctx = context;
        _policy = PlacementPolicies.Create(record.Spec.SchedulingPolicy, context.Random);
        _rate = RequestRate.For(record.Spec, context.Time, null);
        ConfigureSessions(record.Spec);
    }

    public string Name => _record.Spec.FunctionName;

    /// <summary>The dispatcher's clock.</summary>
    internal TimeProvider Time => _ctx.Time;

    /// <summary>Time since <paramref name="timestamp"/> on the dispatcher's clock.</summary>
    internal TimeSpan Elapsed(long timestamp) => _ctx.Time.GetElapsedTime(timestamp);

    public FunctionRecord Record
    {
        get { lock (_gate) { return _record; } }
    }

    /// <summary>
    /// Whether the function's request rate (<c>maxRequestsPerSecond</c>, <c>burst</c>) lets one more request in now;
    /// checked by the gateway before the request takes or waits for a slot. Takes no lock: with no rate set it is one
    /// field read, with one a clock read and a compare-and-swap. <paramref name="refusal"/> is the 429 to answer.
    /// </summary>
    public bool TryAdmit([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out DispatchException? refusal)
    {
        var rate = _rate;
        if (rate is null || rate.TryTake(out var retryAfter))
        {
            refusal = null;
            return true;
        }

        refusal = DispatchException.RateLimited(Name, rate.PerSecond, rate.Burst, retryAfter);
        return false;
    }

    /// <summary>Takes a free slot if there is one, without waiting or allocating a wait.</summary>
    public bool TryAcquire([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Lease? lease)
    {
        lock (_gate)
        {
            // The fast path serves join-idle-queue only; a policy that binds on arrival decides in AcquireAsync.
            var free = _closedReason is null && _queue.Count == 0 && !_policy.BindsOnArrival ? PickFree() : null;
            lease = free is null ? null : Take(free, Arrival.Warm, null);
            return lease is not null;
        }
    }

    /// <summary>
    /// Waits for a free slot. Throws <see cref="DispatchException"/> when none can come, or
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires first
    /// (the request leaves the queue and nothing is held).
    /// </summary>
    public ValueTask<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        QueuedRequest waiter;
        List<(Instance, FunctionRecord)>? starts;
        lock (_gate)
        {
            if (_closedReason is not null)
            {
                throw DispatchException.Closed(Name, _closedReason);
            }

            if (_record.Spec.EffectiveMaxInstances == 0 && _instances.Count == 0)
            {
                throw DispatchException.NoCapacity(Name);
            }

            Instance? bound = null;
            if (_policy.BindsOnArrival)
            {
                // Requests already waiting in the function's queue (no instance could serve them) go first.
                bound = _queue.Count == 0 ? ChooseForArrival() : null;
                if (bound is not null && bound.FreeSlots > 0 && bound.Backlog.Count == 0)
                {
                    return ValueTask.FromResult(Take(bound, Arrival.Warm, null));
                }
            }
            else if (PickFree() is { } free)
            {
                return ValueTask.FromResult(Take(free, Arrival.Warm, null));
            }

            var limit = _record.Spec.EffectiveMaxQueueLength;
            var waiting = Waiting();
            if (waiting >= limit)
            {
                throw DispatchException.QueueFull(Name, limit, _drain.RetryAfter(waiting, _ctx.Time.GetTimestamp(), _ctx.Time), _startRefused);
            }

            waiter = new QueuedRequest(_ctx.Time.GetTimestamp(), _ctx.InlineContinuations);
            waiter.Node = (bound?.Backlog ?? _queue).AddLast(waiter);
            starts = PlanStarts();
        }

        Launch(starts);
        return new ValueTask<Lease>(WaitAsync(waiter, cancellationToken));
    }

    private async Task<Lease> WaitAsync(QueuedRequest waiter, CancellationToken cancellationToken)
    {
        await using var registration = cancellationToken.Register(static state =>
        {
            var (self, w) = ((FunctionDispatcher, QueuedRequest))state!;
            self.Abandon(w);
        }, (this, waiter)).ConfigureAwait(false);
        return await waiter.Completion.Task.ConfigureAwait(false);
    }

    private void Abandon(QueuedRequest waiter)
    {
        lock (_gate)
        {
            if (waiter.Node is { List: { } list } node)
            {
                list.Remove(node);
                waiter.Completion.TrySetCanceled();
            }
        }
    }

    /// <summary>Requests waiting for a slot: in the function's queue and in the instances' backlogs. Under the lock.</summary>
    private int Waiting()
    {
        var waiting = _queue.Count;
        foreach (var instance in _instances)
        {
            waiting += instance.Backlog.Count;
        }

        return waiting;
    }

    /// <summary>Gives a slot back; the head of the queue takes it at once.</summary>
    internal void Release(Instance instance, long dispatchedAt)
    {
        Task? stop = null;
        lock (_gate)
        {
            var now = _ctx.Time.GetTimestamp();
            _drain.Record(now);
            _estimate.RecordService(_ctx.Time.GetElapsedTime(dispatchedAt, now));
            instance.ReleaseSlot(_ctx.Time.GetUtcNow(), _ctx.Time.GetElapsedTime(instance.BusySince, now).Ticks);

            if (instance.State == InstanceState.Draining && instance.InFlight == 0)
            {
                stop = StopLater(instance);
            }

            ServeBacklog(instance);
            PumpQueue();
            if (instance.InFlight == 0 && instance.State == InstanceState.Ready)
            {
                instance.Settled(_ctx.Time.GetUtcNow());
                MaybeFreeze(instance);
            }
        }

        _ = stop;
    }

    /// <summary>The spec changed: start replacements for the running instances; each one that becomes ready retires an old one.</summary>
    public void Update(FunctionRecord record)
    {
        List<(Instance, FunctionRecord)> starts = new();
        lock (_gate)
        {
            if (_closedReason is not null)
            {
                return;
            }

            _record = record;
            _rate = RequestRate.For(record.Spec, _ctx.Time, _rate);
            ConfigureSessions(record.Spec);
            _rolloutError = null;
            if (_policy.Name != (record.Spec.SchedulingPolicy ?? SchedulingPolicyNames.Default))
            {
                _policy = PlacementPolicies.Create(record.Spec.SchedulingPolicy, _ctx.Random);
                foreach (var instance in _instances)
                {
                    Rehome(instance); // requests bound by the old policy wait in the function's queue
                }
            }

            // Provisioned instances are replaced by Reconcile (it counts only the current version);
            // on-demand ones get one replacement each here.
            var outdated = _instances.Count(i => i.Version < record.Version && i.State.CanServe() && i.Kind == Metering.InstanceKind.OnDemand);
            var replacements = Math.Min(outdated, record.Spec.EffectiveMaxInstances);
            for (var i = 0; i < replacements; i++)
            {
                if (TryNewInstance(Metering.InstanceKind.OnDemand) is not { } replacement)
                {
                    _rolloutError = $"{replacements - i} instances of version {record.Version} cannot start, so older ones keep serving: {_ctx.Budget.Refusal}";
                    break;
                }

                starts.Add((replacement, record));
            }

            starts.AddRange(Reconcile());

            if (record.Spec.EffectiveMaxInstances == 0)
            {
                foreach (var old in _instances.Where(i => i.State != InstanceState.Draining).ToList())
                {
                    BeginDrain(old);
                }
            }
        }

        Launch(starts);
    }

    /// <summary>Periodic work: stops on-demand instances idle longer than the idle timeout, retries provisioning.</summary>
    public void Tick(DateTimeOffset now)
    {
        List<(Instance, FunctionRecord)> starts;
        lock (_gate)
        {
            var idleTimeout = _record.Spec.IdleTimeout is { } s ? TimeSpan.FromSeconds(s) : _ctx.DefaultIdleTimeout;
            _sessions?.Sweep(now);
            foreach (var instance in _instances.ToList())
            {
                var since = instance.LastUsedAt ?? instance.ReadyAt;
                // An instance holding sessions is kept for them: their state (a prompt cache, say) lives in it.
                if (instance.Kind == Metering.InstanceKind.OnDemand && instance.State == InstanceState.Ready && instance.InFlight == 0 && instance.Sessions == 0
                    && since is { } t && now - t >= idleTimeout)
                {
                    Log.IdleStop(_ctx.Logger, Name, instance.Id, idleTimeout);
                    BeginDrain(instance);
                }
            }

            starts = Reconcile();
            // A request that has waited longer than a cold start was misjudged: PlanStarts starts one now.
            starts.AddRange(PlanStarts());
        }

        Launch(starts);
    }

    /// <summary>
    /// Takes no more requests (queued ones get 503), lets in-flight ones finish for up to
    /// <paramref name="drainTimeout"/>, then stops every instance.
    /// </summary>
    public async Task CloseAsync(string reason, TimeSpan drainTimeout)
    {
        TaskCompletionSource allStopped;
        lock (_gate)
        {
            _closedReason ??= reason;
            _allStopped ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            allStopped = _allStopped;
            foreach (var instance in _instances.ToList())
            {
                BeginDrain(instance); // moves its backlog to the queue
            }

            while (_queue.First is { } node)
            {
                _queue.RemoveFirst();
                node.Value.Completion.TrySetException(DispatchException.Closed(Name, reason));
            }

            CheckAllStopped();
        }

        var drained = await Task.WhenAny(allStopped.Task, _ctx.Time.After(drainTimeout)).ConfigureAwait(false);
        if (drained != allStopped.Task)
        {
            List<Instance> stragglers;
            lock (_gate)
            {
                stragglers = _instances.ToList();
            }

            foreach (var instance in stragglers)
            {
                Log.ForcedStop(_ctx.Logger, Name, instance.Id, instance.InFlight);
                lock (_gate)
                {
                    _work.Add(StopInstanceAsync(instance));
                }
            }
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        Task[] work;
        lock (_gate)
        {
            work = _work.ToArray();
        }

        await Task.WhenAll(work).ConfigureAwait(false);
        await allStopped.Task.WaitAsync(TimeSpan.FromSeconds(30), _ctx.Time).ConfigureAwait(false);
    }

    public IReadOnlyList<InstanceInfo> Snapshot(bool includeEnded)
    {
        lock (_gate)
        {
            var live = _instances.Select(i => i.ToInfo(_ctx.Time));
            return (includeEnded ? live.Concat(_ended.Select(i => i.ToInfo(_ctx.Time))) : live).ToList();
        }
    }

    /// <summary>
    /// Why queued requests are waiting longer than a start would take: the server's instance limit refused one for them.
    /// Null when nothing was refused; the gateway adds it to a 504.
    /// </summary>
    public string? StartRefusal()
    {
        lock (_gate)
        {
            return _startRefused;
        }
    }

    /// <summary>The placement policy in effect and how long recent requests waited for a slot.</summary>
    public (string Policy, QueueWaitSummary? Waits) Scheduling()
    {
        lock (_gate)
        {
            return (_policy.Name, _waits.Summary());
        }
    }

    public (InstanceCounts Counts, string? RolloutError, string? LastError, int Queued) Status()
    {
        lock (_gate)
        {
            var version = _record.Version;
            return (new InstanceCounts
            {
                Starting = _instances.Count(i => i.State.IsStarting()),
                Ready = _instances.Count(i => i.State == InstanceState.Ready),
                Busy = _instances.Count(i => i.State == InstanceState.Busy),
                Frozen = _instances.Count(i => i.State == InstanceState.Frozen),
                Draining = _instances.Count(i => i.State == InstanceState.Draining),
                Failed = _ended.Count(i => i.State == InstanceState.Failed),
                Outdated = _instances.Count(i => i.Version < version && i.State != InstanceState.Draining),
            }, _rolloutError, _lastError, Waiting());
        }
    }
}
