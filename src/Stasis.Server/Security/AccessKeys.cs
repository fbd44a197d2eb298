using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Stasis.Client.Auth;
using Stasis.Server.Hosting;

namespace Stasis.Server.Security;

/// <summary>
/// Every access key, held in memory over the store and changed only through here, so a revocation is in force for the
/// very next request (there is no other copy to go stale). Lookups are lock-free; creation and revocation are
/// serialised, so the last active admin key can never be revoked by two requests racing.
/// </summary>
internal sealed class AccessKeys
{
    private readonly IAccessKeyCatalog _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, AccessKey> _byId = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public AccessKeys(IAccessKeyCatalog store, TimeProvider time, ILoggerFactory logs)
    {
        _store = store;
        _time = time;
        _log = logs.CreateLogger("Stasis.Auth");
        foreach (var key in store.List())
        {
            _byId[key.Id] = key;
        }
    }

    /// <summary>Every key, oldest first.</summary>
    public IReadOnlyList<AccessKey> All => _byId.Values.OrderBy(k => k.CreatedAt).ThenBy(k => k.Id, StringComparer.Ordinal).ToList();

    /// <summary>The key with <paramref name="id"/>, active or revoked; null when there is none.</summary>
    public AccessKey? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>A new key; its token (id and secret) is returned here and nowhere else.</summary>
    public (AccessKey Key, AccessKeyToken Token) Create(string name, AccessKeyScope scope)
    {
        var token = AccessKeyToken.Generate();
        var key = new AccessKey(token.Id, name, scope, token.SecretHash(), _time.GetUtcNow(), null, null);
        lock (_gate)
        {
            _store.Insert(key);
            _byId[key.Id] = key;
        }

        _log.LogInformation("access key {Id} created ({Name}, scope {Scope})", key.Id, name, scope);
        return (key, token);
    }

    /// <summary>Revokes <paramref name="id"/>: from the next request on it authenticates nothing.</summary>
    public RevokeOutcome Revoke(string id, out AccessKey? key)
    {
        lock (_gate)
        {
            key = Find(id);
            if (key is null)
            {
                return RevokeOutcome.NotFound;
            }

            if (!key.Active)
            {
                return RevokeOutcome.Revoked;
            }

            if (key.Scope.IsAdmin && !_byId.Values.Any(k => k.Active && k.Scope.IsAdmin && k.Id != id))
            {
                return RevokeOutcome.LastAdmin;
            }

            var at = _time.GetUtcNow();
            _store.Revoke(id, at);
            key.MarkRevoked(at);
        }

        _log.LogInformation("access key {Id} revoked", id);
        return RevokeOutcome.Revoked;
    }

    /// <summary>Records that <paramref name="key"/> authenticated a request; the store hears of it at most once a minute.</summary>
    public void Used(AccessKey key)
    {
        var now = _time.GetUtcNow();
        if (!key.MarkUsed(now))
        {
            return;
        }

        lock (_gate)
        {
            if (now.UtcTicks - key.PersistedLastUsedTicks < TimeSpan.TicksPerMinute)
            {
                return; // another request wrote it meanwhile
            }

            key.PersistedLastUsedTicks = now.UtcTicks;
        }

        _store.SetLastUsed(key.Id, now);
    }

    /// <summary>
    /// Makes sure an admin key exists. With <paramref name="adminToken"/> (<c>STASIS_ADMIN_KEY</c>), that key is stored
    /// (or restored: admin scope, active, that secret) and null returned. Without it, when no admin key is active (a
    /// first start), a new one is created and its token returned, for the banner to show once.
    /// </summary>
    public AccessKeyToken? Bootstrap(string? adminToken)
    {
        if (adminToken is not null)
        {
            if (!AccessKeyToken.TryParse(adminToken, out var token))
            {
                throw new StasisConfigException($"the admin key (STASIS_ADMIN_KEY) is not a well-formed access key; expected {AccessKeyToken.Shape}. docs/security.md shows how to make one.");
            }

            lock (_gate)
            {
                var existing = Find(token.Id);
                var key = new AccessKey(token.Id, existing?.Name ?? "admin (STASIS_ADMIN_KEY)", AccessKeyScope.Admin, token.SecretHash(),
                    existing?.CreatedAt ?? _time.GetUtcNow(), null, existing?.LastUsedAt);
                _store.Ensure(key);
                _byId[key.Id] = key;
            }

            return null;
        }

        lock (_gate)
        {
            if (_byId.Values.Any(k => k.Active && k.Scope.IsAdmin))
            {
                return null;
            }
        }

        return Create("admin (first start)", AccessKeyScope.Admin).Token;
    }
}

/// <summary>What a revocation did.</summary>
internal enum RevokeOutcome
{
    Revoked,
    NotFound,
    /// <summary>Refused: it is the last active admin key, and without one nobody could manage keys.</summary>
    LastAdmin,
}
