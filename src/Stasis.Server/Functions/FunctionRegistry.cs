using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
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
    private readonly FunctionStore _store;
    private readonly InstanceStore _instances;
    private readonly FunctionLogBook _logs;
    private readonly DispatcherContext _context;
    private readonly TimeProvider _time;
    private readonly ILogger<FunctionRegistry> _logger;

    public FunctionRegistry(FunctionStore store, InstanceStore instances, FunctionLogBook logs, DispatcherContext context, TimeProvider time, ILogger<FunctionRegistry> logger)
    {
        _store = store;
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

        foreach (var record in _store.List())
        {
            _dispatchers[record.Spec.FunctionName] = new FunctionDispatcher(record, _context);
        }
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
                _dispatchers[spec.FunctionName] = new FunctionDispatcher(created, _context);
                return (created, DeployOutcome.Created);
            }

            if (SameSpec(existing.Spec, spec))
            {
                return (existing, DeployOutcome.Unchanged);
            }

            var updated = existing with { Spec = spec, Version = existing.Version + 1, UpdatedAt = now };
            _store.Upsert(updated);
            if (_dispatchers.TryGetValue(spec.FunctionName, out var dispatcher))
            {
                dispatcher.Update(updated);
            }
            else
            {
                _dispatchers[spec.FunctionName] = new FunctionDispatcher(updated, _context);
            }

            _logs.Write(spec.FunctionName, $"Function updated to version {updated.Version}; rolling its instances");
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

    public void Tick()
    {
        var now = _time.GetUtcNow();
        foreach (var dispatcher in _dispatchers.Values)
        {
            dispatcher.Tick(now);
        }
    }

    public Task CloseAllAsync(TimeSpan drainTimeout) =>
        Task.WhenAll(_dispatchers.Values.Select(d => d.CloseAsync("is stopping with the server", drainTimeout)));

    private static bool SameSpec(FunctionSpec a, FunctionSpec b) =>
        JsonSerializer.Serialize(a, JsonDefaults.Options) == JsonSerializer.Serialize(b, JsonDefaults.Options);
}
