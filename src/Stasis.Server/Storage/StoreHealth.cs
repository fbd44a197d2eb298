using Microsoft.Extensions.Logging;

namespace Stasis.Server.Storage;

/// <summary>
/// Whether the store takes writes, as the background writers (meter heartbeat, deferred records, metrics)
/// last found it. Logs once when writes start failing and once when they succeed again, rather than at
/// every retry; <c>GET /api/v1/status</c> reports it.
/// </summary>
internal sealed class StoreHealth(TimeProvider time, ILogger<StoreHealth> logger)
{
    private readonly Lock _gate = new();
    private StoreFault? _fault;
    private DateTimeOffset? _since;
    private string? _error;

    /// <summary>A write of <paramref name="what"/> (e.g. "meter intervals") failed with <paramref name="fault"/>.</summary>
    public void Failed(StoreFault fault, string what, Exception exception)
    {
        lock (_gate)
        {
            var changed = _fault != fault;
            _error = exception.Message;
            if (!changed)
            {
                return;
            }

            _fault = fault;
            _since = time.GetUtcNow();
        }

        if (fault == StoreFault.Damaged)
        {
            logger.LogError("store: damaged, found by {What} ({Error}); what is on the damaged pages is answered 503 StoreDamaged. Stop the server, run `stasis store check` and restore a backup",
                what, exception.Message);
            return;
        }

        logger.LogWarning("store: cannot write {What} ({Fault}: {Error}); control API changes are refused, and the meter, instance records and metrics wait in memory, retried every second",
            what, fault, exception.Message);
    }

    /// <summary>A write succeeded: the store takes writes again.</summary>
    public void Succeeded()
    {
        StoreFault? was;
        DateTimeOffset? since;
        lock (_gate)
        {
            if (_fault is null)
            {
                return;
            }

            (was, since) = (_fault, _since);
            (_fault, _since, _error) = (null, null, null);
        }

        logger.LogInformation("store: writable again after {Seconds:0.#} s ({Fault}); what was kept is being written",
            (time.GetUtcNow() - since!.Value).TotalSeconds, was);
    }

    /// <summary>The current fault, when it started and its last error; all null while writes succeed.</summary>
    public (StoreFault? Fault, DateTimeOffset? Since, string? Error) Current
    {
        get
        {
            lock (_gate)
            {
                return (_fault, _since, _error);
            }
        }
    }
}
