using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Runtime;
using Stasis.Server.Scheduling.Placement;

namespace Stasis.Server.Scheduling;

/// <summary>Where a request goes: the instances that can serve, ranked, and the slot it takes; the queue and the backlogs handed to free slots.</summary>
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
}
