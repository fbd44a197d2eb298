using Stasis.Server.Runtime;

namespace Stasis.Server.Scheduling;

/// <summary>What one request asks of the dispatcher: its id (for the log) and, with session affinity, its session.</summary>
internal readonly record struct ReadyRequest(string RequestId, SessionAsk? Ask = null, string? SessionId = null, bool OpensStream = false);

/// <summary>The request path's one call: a lease on an instance that can take the request's bytes now.</summary>
internal sealed partial class FunctionDispatcher
{
    /// <summary>How many instances a request tries when thawing the one it got fails (nothing was sent to it).</summary>
    public const int ThawAttempts = 3;

    /// <summary>
    /// A slot on an instance ready to take the request: free at once or after a wait, thawed if idle mode froze it,
    /// and on another instance when a thaw fails (logged as <c>FC Invoke Reroute</c>), up to <see cref="ThawAttempts"/>.
    /// Throws <see cref="DispatchException"/> when no instance can take it (503 <c>InstanceUnavailable</c> after the
    /// last failed thaw), or <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires;
    /// either way nothing is held.
    /// </summary>
    public async ValueTask<Lease> AcquireReadyAsync(ReadyRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var lease = request.Ask is { } ask
                ? await AcquireSessionAsync(request.SessionId, ask, request.OpensStream, cancellationToken).ConfigureAwait(false)
                : TryAcquire(out var free) ? free : await AcquireAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await lease.PrepareAsync(cancellationToken).ConfigureAwait(false);
                return lease;
            }
            catch (InstanceFreezeException e) when (attempt < ThawAttempts)
            {
                _ctx.Log.Write(Name, $"FC Invoke Reroute RequestId: {request.RequestId}: {e.Message}");
                Abandon(lease);
            }
            catch (InstanceFreezeException e)
            {
                Abandon(lease);
                throw new DispatchException("InstanceUnavailable", 503, e.Message);
            }
            catch (OperationCanceledException)
            {
                Abandon(lease);
                throw;
            }
        }
    }

    /// <summary>Gives back a lease whose request never reached its instance; a session the request opened ends with it.</summary>
    private void Abandon(Lease lease)
    {
        if (lease.Session is { } session)
        {
            lease.Session = null;
            SessionDone(session, end: lease.SessionIsNew);
        }

        lease.Dispose();
    }
}
