using Stasis.Server.Clock;
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
    /// A wait for a slot lasts at most <paramref name="wait"/> (on the dispatcher's clock; infinite: none); only a
    /// request that waits pays for that deadline. Throws <see cref="DispatchException"/> when no instance can take it
    /// (503 <c>InstanceUnavailable</c> after the last failed thaw), or <see cref="OperationCanceledException"/> when the
    /// wait runs out or <paramref name="cancellationToken"/> fires; either way nothing is held.
    /// </summary>
    public async ValueTask<Lease> AcquireReadyAsync(ReadyRequest request, TimeSpan wait, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            Lease lease;
            if (request.Ask is null && TryAcquire(out var free))
            {
                lease = free;
            }
            else
            {
                using var deadline = wait == Timeout.InfiniteTimeSpan ? null : _ctx.Time.Deadline(wait, cancellationToken);
                var token = deadline?.Token ?? cancellationToken;
                lease = request.Ask is { } ask
                    ? await AcquireSessionAsync(request.SessionId, ask, request.OpensStream, token).ConfigureAwait(false)
                    : await AcquireAsync(token).ConfigureAwait(false);
            }

            try
            {
                await lease.PrepareAsync(cancellationToken).ConfigureAwait(false);
                return lease;
            }
            catch (InstanceFreezeException e) when (attempt < ThawAttempts)
            {
                _ctx.Log.Write(Name, $"FC Invoke Reroute RequestId: {request.RequestId}: {e.Message}");
                lease.Release(endsSession: lease.SessionIsNew);
            }
            catch (InstanceFreezeException e)
            {
                lease.Release(endsSession: lease.SessionIsNew);
                throw new DispatchException("InstanceUnavailable", 503, e.Message);
            }
            catch (OperationCanceledException)
            {
                // Nothing reached the instance: a session the request opened ends with it.
                lease.Release(endsSession: lease.SessionIsNew);
                throw;
            }
        }
    }
}
