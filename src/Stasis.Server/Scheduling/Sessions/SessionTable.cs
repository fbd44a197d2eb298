using Stasis.Client.Model;
using Stasis.Server.Instances;

namespace Stasis.Server.Scheduling.Sessions;

/// <summary>
/// A function's sessions by id, with FC's lifetimes: a session ends <c>sessionTTLInSeconds</c> after it began, or
/// <c>sessionIdleTimeoutInSeconds</c> after its last request ended (0: never idle), or, when its instance stops,
/// with it. Each instance counts the sessions it holds. Pure and clock-free: the dispatcher passes the time in,
/// under its lock.
/// </summary>
internal sealed class SessionTable
{
    /// <summary>Ids of ended sessions kept to refuse them when reuse is off; beyond this many the oldest are forgotten.</summary>
    public const int EndedIdsKept = 100_000;

    private readonly Dictionary<string, Session> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _endedIds = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset At)> _endedOrder = new();

    public SessionTable(FunctionSpec spec) => Configure(spec);

    public string Type { get; private set; } = "";
    public int PerInstance { get; private set; }
    public TimeSpan Ttl { get; private set; }
    public TimeSpan? IdleTimeout { get; private set; }
    public bool RefuseEndedIds { get; private set; }

    public int Count => _byId.Count;

    /// <summary>A new version of the spec: its limits apply to the sessions already open too.</summary>
    public void Configure(FunctionSpec spec)
    {
        var config = spec.SessionAffinityConfig;
        Type = spec.SessionAffinity ?? "";
        PerInstance = spec.EffectiveSessionsPerInstance;
        Ttl = TimeSpan.FromSeconds(config?.SessionTtlInSeconds ?? SessionAffinityTypes.DefaultTtlSeconds);
        var idle = config?.SessionIdleTimeoutInSeconds ?? SessionAffinityTypes.DefaultIdleTimeoutSeconds;
        IdleTimeout = idle == 0 ? null : TimeSpan.FromSeconds(idle);
        RefuseEndedIds = config?.DisableSessionIdReuse ?? false;
    }

    /// <summary>The live session <paramref name="id"/> names; one that has lived out its time is ended here and not returned.</summary>
    public Session? Find(string id, DateTimeOffset now)
    {
        if (!_byId.TryGetValue(id, out var session))
        {
            return null;
        }

        if (Expired(session, now) || !Usable(session.Instance))
        {
            End(session, now);
            return null;
        }

        return session;
    }

    /// <summary>Whether <paramref name="id"/> belonged to a session that ended and may not be used again.</summary>
    public bool IsRefused(string id) => RefuseEndedIds && _endedIds.ContainsKey(id);

    /// <summary>A session on <paramref name="instance"/>; with a null id, one whose id the answer will give.</summary>
    public Session Open(string? id, Instance instance, DateTimeOffset now, bool heldByStream = false)
    {
        var session = new Session(id, instance, now) { HeldByStream = heldByStream };
        instance.Sessions++;
        if (id is not null)
        {
            _byId[id] = session;
        }

        return session;
    }

    /// <summary>The answer named the session: requests that carry <paramref name="id"/> now go to its instance.</summary>
    public void Name(Session session, string id)
    {
        if (session.Ended || session.Id is not null)
        {
            return;
        }

        session.Id = id;
        if (_byId.Remove(id, out var previous) && previous != session)
        {
            Release(previous);
        }

        _byId[id] = session;
    }

    public void End(Session session, DateTimeOffset now)
    {
        if (session.Ended)
        {
            return;
        }

        if (session.Id is { } id && _byId.TryGetValue(id, out var held) && held == session)
        {
            _byId.Remove(id);
            if (RefuseEndedIds)
            {
                _endedIds[id] = now;
                _endedOrder.Enqueue((id, now));
                while (_endedOrder.Count > EndedIdsKept && _endedOrder.TryDequeue(out var old))
                {
                    if (_endedIds.TryGetValue(old.Id, out var at) && at == old.At)
                    {
                        _endedIds.Remove(old.Id);
                    }
                }
            }
        }

        Release(session);
    }

    /// <summary>The session's instance stopped while its request waited; the instance that serves the request holds it now.</summary>
    public void Move(Session session, Instance instance)
    {
        if (session.Ended)
        {
            return;
        }

        session.Instance.Sessions--;
        session.Instance = instance;
        instance.Sessions++;
    }

    /// <summary>Ends the sessions that lived out their time or lost their instance; returns how many.</summary>
    public int Sweep(DateTimeOffset now)
    {
        List<Session>? ended = null;
        foreach (var session in _byId.Values)
        {
            if (Expired(session, now) || !Usable(session.Instance))
            {
                (ended ??= new()).Add(session);
            }
        }

        foreach (var session in ended ?? [])
        {
            End(session, now);
        }

        // Ended ids are kept for one TTL: a client still sending one after that is long gone.
        while (_endedOrder.TryPeek(out var oldest) && now - oldest.At > Ttl)
        {
            _endedOrder.Dequeue();
            if (_endedIds.TryGetValue(oldest.Id, out var at) && at == oldest.At)
            {
                _endedIds.Remove(oldest.Id);
            }
        }

        return ended?.Count ?? 0;
    }

    public IEnumerable<Session> All => _byId.Values;

    /// <summary>Whether a session may stay on the instance: it serves or starts, and is not being retired.</summary>
    public static bool Usable(Instance instance) =>
        (instance.State.CanServe() || instance.State.IsStarting()) && !instance.Retired;

    private bool Expired(Session session, DateTimeOffset now)
    {
        if (session.HeldByStream)
        {
            return false;
        }

        return now - session.CreatedAt >= Ttl
            || (IdleTimeout is { } idle && session.Active == 0 && now - session.LastUsedAt >= idle);
    }

    private static void Release(Session session)
    {
        if (!session.Ended)
        {
            session.Ended = true;
            session.Instance.Sessions--;
        }
    }
}
