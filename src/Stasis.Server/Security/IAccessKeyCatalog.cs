namespace Stasis.Server.Security;

/// <summary>The access keys as kept, a port of the core (their secrets sealed by the store's implementation).</summary>
internal interface IAccessKeyCatalog
{
    IReadOnlyList<AccessKey> List();

    void Insert(AccessKey key);

    /// <summary>Inserts the key unless one with its id exists (the bootstrap admin key).</summary>
    void Ensure(AccessKey key);

    void Revoke(string id, DateTimeOffset at);

    void SetLastUsed(string id, DateTimeOffset at);
}
