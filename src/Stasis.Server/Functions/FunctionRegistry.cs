using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.Server.Autoscaling;
using Stasis.Server.Instances;
using Stasis.Server.Logs;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Functions;

/// <summary>The outcome of a deploy.</summary>
internal enum DeployOutcome
{
    Created,
    Updated,
    Unchanged,
}

/// <summary>
/// The functions this server serves: the store is the truth, and each function has one
/// dispatcher. The gateway's look-up is a lock-free dictionary read; changes are serialised.
/// </summary>
internal sealed class FunctionRegistry
{
    private readonly ConcurrentDictionary<string, FunctionDispatcher> _dispatchers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly List<(long Revision, TaskCompletionSource Done)> _revisionWaiters = [];
    private long _applied = -1;
    private readonly IFunctionCatalog _store;
    private readonly IProvisionCatalog _provisions;
    private readonly IInstanceHistory _instances;
    private readonly FunctionLogBook _logs;
    private readonly DispatcherContext _context;
    private readonly TimeProvider _time;
    private readonly ILogger<FunctionRegistry> _logger;
    private readonly ProvisionScaler _scaler;
    /// <summary>The stored provision configs, kept here so the autoscaler's tick reads no store.</summary>
    private readonly ConcurrentDictionary<string, ProvisionRecord> _provisionRecords = new(StringComparer.Ordinal);

    public FunctionRegistry(IFunctionCatalog store, IProvisionCatalog provisions, IInstanceHistory instances, FunctionLogBook logs, DispatcherContext context,
        TimeProvider time, ILogger<FunctionRegistry> logger, ProvisionScaler scaler)
    {
        _scaler = scaler;
        _store = store;
        _provisions = provisions;
        _instances = instances;
        _logs = logs;
        _context = context;
        _time = time;
        _logger = logger;
    }

    /// <summary>Loads the stored functions; instances a previous server left behind are recorded as stopped.</summary>
    public void Load()
    {
        foreach (var (id, function, _) in _instances.Unfinished())
        {
            _logger.LogWarning("instance {Instance} of {Function} was not stopped by the previous server; recording it as stopped", id, function);
            _instances.MarkAbandoned(id, _time.GetUtcNow());
        }

        var (revision, functions) = _store.Snapshot();
        foreach (var record in functions)
        {
            Apply(record);
        }

        Applied(revision);

        // Provisioned targets come back with the server, with the policies' target for now.
        foreach (var provision in _provisions.List())
        {
            if (_dispatchers.TryGetValue(provision.FunctionName, out var dispatcher))
            {
                _provisionRecords[provision.FunctionName] = provision;
                var decision = _scaler.Evaluate(provision, dispatcher.ProvisionState().Current, _time.GetUtcNow());
                dispatcher.SetProvision(decision.Target, ProvisionRules.IdleMode(provision, dispatcher.Record.Spec));
            }
        }
    }

    /// <summary>The autoscaler's last decision for a function (why its target is what it is), if any.</summary>
    public ScalingDecision? LastScaling(string name) => _scaler.Last(name);

    public ProvisionRecord? GetProvision(string name) => _provisions.Get(name, ProvisionRules.Latest);

    public IReadOnlyList<ProvisionRecord> ListProvisions() => _provisions.List();

    /// <summary>Stores a provision config and applies it: instances start or drain, idle mode switches.</summary>
    public async Task<ProvisionRecord> PutProvisionAsync(string name, string qualifier, ProvisionConfigInput input, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ApplyProvision(name, qualifier, input);
        }
        finally
        {
            _changes.Release();
        }
    }

    private ProvisionRecord ApplyProvision(string name, string qualifier, ProvisionConfigInput input)
    {
        var dispatcher = _dispatchers[name];
        var now = _time.GetUtcNow();
        var record = ProvisionRules.Apply(_provisions.Get(name, qualifier), name, qualifier, input, now);
        _provisions.Upsert(record);
        _provisionRecords[name] = record;
        var idleMode = ProvisionRules.IdleMode(record, dispatcher.Record.Spec);
        var decision = _scaler.Evaluate(record, dispatcher.ProvisionState().Current, now);
        dispatcher.SetProvision(decision.Target, idleMode);
        var policies = record.TargetTrackingPolicies.Count + record.ScheduledActions.Count;
        _logs.Write(name, $"Provision config: defaultTarget {record.DefaultTarget}, idle mode {(idleMode ? "on" : "off")}"
            + (policies > 0 ? $", {record.TargetTrackingPolicies.Count} target tracking policies, {record.ScheduledActions.Count} scheduled actions" : "")
            + $"; target {decision.Target}: {decision.Reason}");
        return record;
    }

    public bool TryGetDispatcher(string name, out FunctionDispatcher dispatcher) => _dispatchers.TryGetValue(name, out dispatcher!);

    public IReadOnlyList<FunctionDispatcher> All => _dispatchers.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToList();

    public async Task<(FunctionRecord Record, DeployOutcome Outcome)> DeployAsync(FunctionSpec spec, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var existing = _store.Get(spec.FunctionName);
            if (existing is null)
            {
                var created = new FunctionRecord(spec, 1, now, now);
                _store.Upsert(created);
                Apply(created);
                ApplySpecProvision(spec);
                return (created, DeployOutcome.Created);
            }

            if (SameSpec(existing.Spec, spec))
            {
                return (existing, DeployOutcome.Unchanged);
            }

            var updated = existing with { Spec = spec, Version = existing.Version + 1, UpdatedAt = now };
            _store.Upsert(updated);
            Apply(updated);

            _logs.Write(spec.FunctionName, $"Function updated to version {updated.Version}; rolling its instances");
            ApplySpecProvision(spec);
            return (updated, DeployOutcome.Updated);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Removes a function: its queued requests get 503, in-flight ones finish, its instances stop.</summary>
    public async Task<bool> DeleteAsync(string name, TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existed = _store.Delete(name);
            _provisions.Delete(name);
            _provisionRecords.TryRemove(name, out _);
            _scaler.Forget(name);
            if (_dispatchers.TryRemove(name, out var dispatcher))
            {
                await dispatcher.CloseAsync("was removed", drainTimeout).ConfigureAwait(false);
                existed = true;
            }

            if (existed)
            {
                _logs.Forget(name);
            }

            return existed;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>A metric interval of <paramref name="name"/> closed: weigh it now rather than at the next tick.</summary>
    public void Rescale(string name)
    {
        if (_provisionRecords.TryGetValue(name, out var record) && _dispatchers.TryGetValue(name, out var dispatcher))
        {
            _scaler.Apply(record, dispatcher, _time.GetUtcNow());
        }
    }

    public void Tick()
    {
        var now = _time.GetUtcNow();
        foreach (var record in _provisionRecords.Values)
        {
            if (_dispatchers.TryGetValue(record.FunctionName, out var dispatcher))
            {
                // Scheduled actions fire on their own clock; tracking policies weigh each closed metric interval once.
                _scaler.Apply(record, dispatcher, now);
            }
        }

        foreach (var dispatcher in _dispatchers.Values)
        {
            dispatcher.Tick(now);
        }
    }

    /// <summary>The catalog revision the running dispatchers reflect.</summary>
    public long AppliedRevision => Volatile.Read(ref _applied);

    /// <summary>Completes once the dispatchers reflect catalog revision <paramref name="revision"/> or a later one.</summary>
    public Task WaitForRevisionAsync(long revision, CancellationToken cancellationToken)
    {
        lock (_revisionWaiters)
        {
            if (AppliedRevision >= revision)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _revisionWaiters.Add((revision, waiter));
            return waiter.Task.WaitAsync(cancellationToken);
        }
    }

    private void Applied(long revision)
    {
        lock (_revisionWaiters)
        {
            Volatile.Write(ref _applied, revision);
            foreach (var waiter in _revisionWaiters.Where(w => w.Revision <= revision).ToList())
            {
                _revisionWaiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Applies the catalog (the desired state) to the running dispatchers when it changed: a function someone else
    /// deployed starts, one they updated rolls, one they removed drains and stops. The same <see cref="Apply"/> a
    /// deploy through this server takes; idempotent, so a change this server made itself is a no-op here.
    /// </summary>
    public async Task ReconcileAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        if (_store.Revision() == AppliedRevision)
        {
            return;
        }

        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (revision, functions) = _store.Snapshot();
            var wanted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var record in functions)
            {
                wanted.Add(record.Spec.FunctionName);
                Apply(record);
            }

            foreach (var name in _dispatchers.Keys.Where(n => !wanted.Contains(n)).ToList())
            {
                if (_dispatchers.TryRemove(name, out var gone))
                {
                    _provisionRecords.TryRemove(name, out _);
                    _scaler.Forget(name);
                    _logger.LogInformation("function {Function} was removed from the store; stopping it", name);
                    await gone.CloseAsync("was removed", drainTimeout).ConfigureAwait(false);
                }
            }

            Applied(revision);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>One function as the catalog has it: a dispatcher made, or rolled to a newer version. Under <c>_changes</c>.</summary>
    private void Apply(FunctionRecord record)
    {
        if (!_dispatchers.TryGetValue(record.Spec.FunctionName, out var dispatcher))
        {
            _dispatchers[record.Spec.FunctionName] = new FunctionDispatcher(record, _context);
        }
        else if (dispatcher.Record.Version < record.Version)
        {
            dispatcher.Update(record);
        }
    }

    public Task CloseAllAsync(TimeSpan drainTimeout) =>
        Task.WhenAll(_dispatchers.Values.Select(d => d.CloseAsync("is stopping with the server", drainTimeout)));

    /// <summary>s.yaml's provisionConfig (already validated) is applied with the deploy.</summary>
    private void ApplySpecProvision(FunctionSpec spec)
    {
        if (spec.ProvisionConfig is { } json)
        {
            ApplyProvision(spec.FunctionName, ProvisionRules.Latest, ProvisionConfigJson.Read(json));
        }
    }

    private static bool SameSpec(FunctionSpec a, FunctionSpec b) =>
        JsonSerializer.Serialize(a, JsonDefaults.Options) == JsonSerializer.Serialize(b, JsonDefaults.Options);
}
