using Stasis.Client.Model;
using Stasis.Server.Instances;
using Stasis.Server.Scheduling.Sessions;

namespace Stasis.Server.Scheduling;

/// <summary>
/// How a request asks for its session: <see cref="Bind"/> goes to the session's instance and opens the session
/// there when it is new (cookie, header field); <see cref="Follow"/> goes to it only if it is known (an MCP
/// message: an unknown id is the function's to refuse); <see cref="Open"/> opens a session whose id the answer
/// will give (an MCP SSE stream, an MCP initialize).
/// </summary>
internal enum SessionAsk
{
    Bind,
    Follow,
    Open,
}

/// <summary>
/// Session affinity (FC's <c>sessionAffinity</c>): a session's requests go to the instance that holds it — thawed
/// for them when idle mode froze it, never bypassed — and a new session goes to the instance holding the fewest,
/// below <c>sessionConcurrencyPerInstance</c>; when every instance holds that many, a new instance starts for it.
/// A session whose instance stops moves with its next request to another one.
/// </summary>
internal sealed partial class FunctionDispatcher
{
    /// <summary>The function's sessions; null without session affinity. Under the lock.</summary>
    private SessionTable? _sessions;

    /// <summary>Waits for a slot on the instance of session <paramref name="id"/> (or of a new session); the lease carries the session.</summary>
    public ValueTask<Lease> AcquireSessionAsync(string? id, SessionAsk ask, bool heldByStream, CancellationToken cancellationToken)
    {
        QueuedRequest waiter;
        List<(Instance, Functions.FunctionRecord)> starts;
        lock (_gate)
        {
            if (_closedReason is not null)
            {
                throw DispatchException.Closed(Name, _closedReason);
            }

            var table = _sessions;
            var now = _ctx.Time.GetUtcNow();
            var session = table is null || id is null ? null : table.Find(id, now);
            if (table is null || (session is null && ask == SessionAsk.Follow))
            {
                return AcquireAsync(cancellationToken);
            }

            if (_record.Spec.EffectiveMaxInstances == 0 && _instances.Count == 0)
            {
                throw DispatchException.NoCapacity(Name);
            }

            starts = new();
            var isNew = session is null;
            if (session is null)
            {
                if (id is not null && table.IsRefused(id))
                {
                    throw DispatchException.SessionEnded(Name);
                }

                var home = SessionHome(table, starts)
                    ?? throw DispatchException.SessionsFull(Name, table.PerInstance, _instances.Count(i => i.State != InstanceState.Draining), _startRefused);
                session = table.Open(ask == SessionAsk.Open ? null : id ?? _ctx.Ids.Secret(), home, now, heldByStream);
            }

            session.Active++;
            session.LastUsedAt = now;
            var instance = session.Instance;
            if (instance.FreeSlots > 0 && instance.Backlog.Count == 0)
            {
                Launch(starts);
                var lease = Take(instance, Arrival.Warm, null);
                lease.Session = session;
                lease.SessionIsNew = isNew;
                return ValueTask.FromResult(lease);
            }

            var limit = _record.Spec.EffectiveMaxQueueLength;
            var waiting = Waiting();
            if (waiting >= limit)
            {
                SessionLeft(session, isNew);
                Launch(starts);
                throw DispatchException.QueueFull(Name, limit, _drain.RetryAfter(waiting, _ctx.Time.GetTimestamp(), _ctx.Time), _startRefused);
            }

            waiter = new QueuedRequest(_ctx.Time.GetTimestamp(), _ctx.InlineContinuations) { Session = session, SessionIsNew = isNew };
            waiter.Node = instance.Backlog.AddLast(waiter);
            starts.AddRange(PlanStarts());
        }

        Launch(starts);
        return new ValueTask<Lease>(WaitForSessionAsync(waiter, cancellationToken));
    }

    private async Task<Lease> WaitForSessionAsync(QueuedRequest waiter, CancellationToken cancellationToken)
    {
        try
        {
            return await WaitAsync(waiter, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                SessionLeft(waiter.Session!, waiter.SessionIsNew);
            }

            throw;
        }
    }

    /// <summary>
    /// The session's request is done: it is no longer active, its idle time counts from now, and with
    /// <paramref name="end"/> (its SSE stream closed, an MCP DELETE, an answer that never named it) it ends.
    /// </summary>
    public void SessionDone(Session session, bool end)
    {
        lock (_gate)
        {
            session.Active--;
            session.LastUsedAt = _ctx.Time.GetUtcNow();
            if (end || session.Id is null)
            {
                _sessions?.End(session, session.LastUsedAt);
            }
        }
    }

    /// <summary>The function's answer named the session (an MCP endpoint event, an Mcp-Session-Id header).</summary>
    public void NameSession(Session session, string id)
    {
        lock (_gate)
        {
            _sessions?.Name(session, id);
        }
    }

    /// <summary>The open sessions, for the sessions API.</summary>
    public IReadOnlyList<SessionInfo> SessionsSnapshot()
    {
        lock (_gate)
        {
            var now = _ctx.Time.GetUtcNow();
            _sessions?.Sweep(now);
            return (_sessions?.All ?? []).Select(s => new SessionInfo
            {
                Id = s.Id ?? "",
                InstanceId = s.Instance.Id,
                CreatedAt = s.CreatedAt,
                LastUsedAt = s.LastUsedAt,
                Active = s.Active,
                ExpiresAt = s.HeldByStream ? null : Expiry(s, _sessions!),
            }).OrderBy(s => s.CreatedAt).ToList();
        }
    }

    /// <summary>Sessions open right now; null without session affinity.</summary>
    public int? SessionCount()
    {
        lock (_gate)
        {
            return _sessions?.Count;
        }
    }

    private static DateTimeOffset Expiry(Session s, SessionTable table)
    {
        var byTtl = s.CreatedAt + table.Ttl;
        return table.IdleTimeout is { } idle && s.LastUsedAt + idle < byTtl ? s.LastUsedAt + idle : byTtl;
    }

    /// <summary>A request of the session left without reaching the instance; a session it opened ends with it. Under the lock.</summary>
    private void SessionLeft(Session session, bool isNew)
    {
        session.Active--;
        if (isNew)
        {
            _sessions?.End(session, _ctx.Time.GetUtcNow());
        }
    }

    /// <summary>
    /// Where a new session goes: among the current version's instances that serve or start and hold fewer sessions
    /// than the cap, one with a free slot first, then the one holding the fewest (warm before frozen); else a new
    /// instance (added to <paramref name="starts"/>) while maxInstances and the server allow. Under the lock.
    /// </summary>
    private Instance? SessionHome(SessionTable table, List<(Instance, Functions.FunctionRecord)> starts)
    {
        Instance? best = null;
        (int Free, int Sessions, int Tier) bestRank = default;
        var running = 0;
        foreach (var i in _instances)
        {
            if (i.Version != _record.Version || i.State == InstanceState.Draining)
            {
                continue;
            }

            running++;
            if (!SessionTable.Usable(i) || i.Sessions >= table.PerInstance || i.Handle is { Exited.IsCompleted: true })
            {
                continue;
            }

            var rank = (i.FreeSlots > 0 ? 0 : 1, i.Sessions, Tier(i));
            if (best is null || rank.CompareTo(bestRank) < 0)
            {
                best = i;
                bestRank = rank;
            }
        }

        if (best is not null || running >= _record.Spec.EffectiveMaxInstances)
        {
            return best;
        }

        if (TryNewInstance(Metering.InstanceKind.OnDemand) is not { } started)
        {
            _startRefused = _ctx.Budget.Refusal;
            return null;
        }

        starts.Add((started, _record));
        return started;
    }

    /// <summary>A queued session request is served by <paramref name="instance"/> (its own stopped meanwhile): the session moves there. Under the lock.</summary>
    private void Follow(QueuedRequest request, Instance instance, Lease lease)
    {
        if (request.Session is not { } session)
        {
            return;
        }

        if (session.Instance != instance)
        {
            _sessions?.Move(session, instance);
        }

        lease.Session = session;
        lease.SessionIsNew = request.SessionIsNew;
    }

    /// <summary>Session affinity as the new version of the spec sets it: sessions end when it is turned off. Under the lock.</summary>
    private void ConfigureSessions(FunctionSpec spec)
    {
        if (spec.SessionAffinity is null)
        {
            if (_sessions is { } old)
            {
                var now = _ctx.Time.GetUtcNow();
                foreach (var s in old.All.ToList())
                {
                    old.End(s, now);
                }
            }

            _sessions = null;
            return;
        }

        if (_sessions is null)
        {
            _sessions = new SessionTable(spec);
        }
        else
        {
            _sessions.Configure(spec);
        }
    }
}
