using Stasis.Server.Security;

namespace Stasis.Tests.Storage.Contracts;

/// <summary>What every implementation of the access key catalog must do: keys come back as written, secrets included.</summary>
public abstract class AccessKeyCatalogContract
{
    private protected abstract IAccessKeyCatalog Fresh();

    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 9, 0, 0, TimeSpan.Zero);

    private static AccessKey Key(string id, AccessKeyScope scope, byte fill) =>
        new(id, "key " + id, scope, Enumerable.Repeat(fill, 32).ToArray(), T0, null, null);

    [Fact]
    public void Inserted_keys_list_with_their_scope_and_secret()
    {
        var catalog = Fresh();
        catalog.Insert(Key("AK1", AccessKeyScope.Admin, 1));
        catalog.Insert(Key("AK2", AccessKeyScope.Invoke("f"), 2));

        var keys = catalog.List().OrderBy(k => k.Id).ToList();

        Assert.Equal(["AK1", "AK2"], keys.Select(k => k.Id));
        Assert.Equal([AccessKeyScope.Admin.Text, AccessKeyScope.Invoke("f").Text], keys.Select(k => k.Scope.Text));
        Assert.Equal(Enumerable.Repeat((byte)2, 32), keys[1].SecretHash);
        Assert.All(keys, k => Assert.True(k.Active));
    }

    [Fact]
    public void A_revoked_key_stays_listed_as_revoked_and_ensure_makes_it_active_again()
    {
        var catalog = Fresh();
        catalog.Insert(Key("AK1", AccessKeyScope.Read, 1));

        catalog.Revoke("AK1", T0.AddHours(1));
        Assert.Equal(T0.AddHours(1), Assert.Single(catalog.List()).RevokedAt);

        catalog.Ensure(Key("AK1", AccessKeyScope.Admin, 9));
        var again = Assert.Single(catalog.List());
        Assert.True(again.Active);
        Assert.Equal((AccessKeyScope.Admin.Text, (byte)9), (again.Scope.Text, again.SecretHash[0]));
    }
}
