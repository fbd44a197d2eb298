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

}
