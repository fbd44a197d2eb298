using Stasis.Server.Instances;
using Stasis.Server.Runtime;

namespace Stasis.Server.Scheduling;

/// <summary>One slot on one instance, held for the length of one request. Disposing gives the slot back exactly once.</summary>
internal sealed class Lease : IDisposable
{
    private readonly FunctionDispatcher _owner;
    private int _released;

    public Lease(FunctionDispatcher owner, Instance instance, IRuntimeInstance handle, Arrival arrival, long dispatchedAt, TimeSpan queueWait)
    {
        DispatchedAt = dispatchedAt;
        QueueWait = queueWait;
        _owner = owner;
        Instance = instance;
        Handle = handle;
        Arrival = arrival;
        TakenAt = dispatchedAt;
    }

    public Instance Instance { get; }

    /// <summary>The dispatcher the slot belongs to.</summary>
    public FunctionDispatcher Dispatcher => _owner;

    /// <summary>The instance's id, as logs and headers name it.</summary>
    public string InstanceId => Instance.Id;

    /// <summary>The instance's base address, formatted as the forwarder takes it.</summary>
    public string Destination => Instance.DestinationPrefix;

    /// <summary>What sends the request to the instance (its own connections, inside its network namespace).</summary>
    public HttpMessageInvoker Invoker => Handle.Invoker;

    /// <summary>How the instance's process ended, if it ends within <paramref name="wait"/> (a refused connection usually means it just died); null while it runs.</summary>
    public async Task<string?> ExitReasonWithinAsync(TimeSpan wait)
    {
        try
        {
            return (await Handle.Exited.WaitAsync(wait, _owner.Time).ConfigureAwait(false)).Reason;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>The request's session (session affinity); null without one.</summary>
    public Sessions.Session? Session { get; set; }

    /// <summary>The request opened its session: the gateway answers with the new id.</summary>
    public bool SessionIsNew { get; set; }

    /// <summary>When the dispatcher gave the slot (its clock's timestamp): how long requests hold a slot is measured from here.</summary>
    public long DispatchedAt { get; }

    /// <summary>How long the request waited for this slot (zero when one was free at once).</summary>
    public TimeSpan QueueWait { get; }

    public IRuntimeInstance Handle { get; }

    public Arrival Arrival { get; private set; }

    /// <summary>When the slot was taken (the dispatcher's clock): billed active time for this request counts from here.</summary>
    public long TakenAt { get; }

    /// <summary>Active time billed for this request so far: from taking the slot, a thaw included, on the meter's clock.</summary>
    public TimeSpan BilledActive => _owner.Elapsed(TakenAt);

    /// <summary>
    /// Makes sure the instance can take the request: thaws it if idle mode froze it (or is freezing
    /// it). Throws <see cref="InstanceFreezeException"/> when the thaw fails; the instance is then
    /// already out of the pool and the request can go elsewhere, since nothing was sent.
    /// </summary>
    public async ValueTask PrepareAsync(CancellationToken cancellationToken)
    {
        if (!Instance.FreezeEngaged)
        {
            return;
        }

        if (await _owner.ThawForLeaseAsync(Instance, cancellationToken).ConfigureAwait(false))
        {
            Arrival = Arrival.Thawed;
        }
    }

    /// <summary>Gives the slot back and closes the request's part of its session (ending it with <paramref name="endsSession"/>), once.</summary>
    public void Release(bool endsSession)
    {
        if (Session is { } session)
        {
            Session = null;
            _owner.SessionDone(session, endsSession);
        }

        Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _owner.Release(Instance, DispatchedAt);
        }
    }
}
