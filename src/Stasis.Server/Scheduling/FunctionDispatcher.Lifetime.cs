using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.Server.Clock;
using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Runtime;
using Stasis.Server.Scheduling.Placement;

namespace Stasis.Server.Scheduling;

/// <summary>The function's life: a new version rolled out, the periodic tick (idle instances stopped, provisioning retried), and the close that drains and stops every instance.</summary>
internal sealed partial class FunctionDispatcher
{
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
            foreach (var instance in IdleReaper.Due(_instances, now, idleTimeout))
            {
                Log.IdleStop(_ctx.Logger, Name, instance.Id, idleTimeout);
                BeginDrain(instance);
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
}
