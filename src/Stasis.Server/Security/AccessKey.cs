namespace Stasis.Server.Security;

/// <summary>
/// One access key as the server holds it: the SHA-256 of its secret, never the secret. Revocation and last use change
/// in place (the registry writes them); everything else is fixed at creation.
/// </summary>
internal sealed class AccessKey(string id, string name, AccessKeyScope scope, byte[] secretHash, DateTimeOffset createdAt, DateTimeOffset? revokedAt, DateTimeOffset? lastUsedAt)
{
    private long _revokedTicks = revokedAt?.UtcTicks ?? 0;
    private long _lastUsedTicks = lastUsedAt?.UtcTicks ?? 0;

    public string Id { get; } = id;
    public string Name { get; } = name;
    public AccessKeyScope Scope { get; } = scope;
    /// <summary>SHA-256 of the secret: compared with a presented secret's, and the key signatures are made with.</summary>
    public byte[] SecretHash { get; } = secretHash;
    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset? RevokedAt => Volatile.Read(ref _revokedTicks) is var t and not 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public bool Active => Volatile.Read(ref _revokedTicks) == 0;

    public DateTimeOffset? LastUsedAt => Volatile.Read(ref _lastUsedTicks) is var t and not 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>When the last use was written to the store (it is written at most once a minute).</summary>
    internal long PersistedLastUsedTicks { get; set; } = lastUsedAt?.UtcTicks ?? 0;

    internal void MarkRevoked(DateTimeOffset at) => Volatile.Write(ref _revokedTicks, at.UtcTicks);

    /// <summary>Records a use at <paramref name="at"/>; true when the store's copy is a minute or more behind.</summary>
    internal bool MarkUsed(DateTimeOffset at)
    {
        Volatile.Write(ref _lastUsedTicks, at.UtcTicks);
        return at.UtcTicks - PersistedLastUsedTicks >= TimeSpan.TicksPerMinute;
    }
}
