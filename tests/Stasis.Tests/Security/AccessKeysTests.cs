using Stasis.Client.Auth;
using Stasis.Server.Hosting;
using Stasis.Server.Security;

namespace Stasis.Tests.Security;

/// <summary>The key registry over its SQLite table: bootstrap, import, revocation rules, what is stored.</summary>
public sealed class AccessKeysTests : IDisposable
{
    private readonly SecurityHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Bootstrap_NoAdminKey_CreatesOneAndReturnsItsTokenOnce()
    {
        var token = _h.Keys.Bootstrap(adminToken: null);

        Assert.NotNull(token);
        var key = Assert.Single(_h.Keys.All);
        Assert.Equal((token.Id, "admin", true), (key.Id, key.Scope.Text, key.Active));
        Assert.Null(_h.Keys.Bootstrap(adminToken: null));
        Assert.Null(_h.Reopen().Bootstrap(adminToken: null));
        Assert.Single(_h.Reopen().All);
    }

    [Fact]
    public void Bootstrap_WithAnAdminToken_StoresThatKeyAndCreatesNoOther()
    {
        var given = AccessKeyToken.Generate();

        Assert.Null(_h.Keys.Bootstrap(given.Value));

        var key = Assert.Single(_h.Reopen().All);
        Assert.Equal((given.Id, "admin"), (key.Id, key.Scope.Text));
        Assert.Equal(given.SecretHash(), key.SecretHash);
    }

    [Fact]
    public void Bootstrap_WithAnAdminTokenThatWasRevokedOrChanged_RestoresItActiveWithTheGivenSecret()
    {
        var given = AccessKeyToken.Generate();
        _h.Keys.Bootstrap(given.Value);
        _h.Keys.Create("second admin", AccessKeyScope.Admin);
        Assert.Equal(RevokeOutcome.Revoked, _h.Keys.Revoke(given.Id, out _));
        var changed = AccessKeyToken.TryParse($"{given.Id}.{AccessKeyToken.Generate().Secret}", out var t) ? t : null!;

        var keys = _h.Reopen();
        keys.Bootstrap(changed.Value);

        var key = keys.Find(given.Id)!;
        Assert.True(key.Active);
        Assert.Equal(changed.SecretHash(), key.SecretHash);
        Assert.True(_h.Reopen().Find(given.Id)!.Active);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("AKTESTKEY0000000000001.too-short")]
    public void Bootstrap_MalformedAdminToken_StopsTheStartSayingWhatIsExpected(string text)
    {
        var e = Assert.Throws<StasisConfigException>(() => _h.Keys.Bootstrap(text));

        Assert.Contains("STASIS_ADMIN_KEY", e.Message, StringComparison.Ordinal);
        Assert.Contains(AccessKeyToken.Shape, e.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Keys.All);
    }

    [Fact]
    public void Revoke_TheLastActiveAdminKey_IsRefused_AnotherAdminMakesItPossible()
    {
        var first = _h.Keys.Bootstrap(null)!;
        _h.Keys.Create("reader", AccessKeyScope.Read);

        Assert.Equal(RevokeOutcome.LastAdmin, _h.Keys.Revoke(first.Id, out _));
        Assert.True(_h.Keys.Find(first.Id)!.Active);

        var second = _h.Keys.Create("ops", AccessKeyScope.Admin).Key;
        Assert.Equal(RevokeOutcome.Revoked, _h.Keys.Revoke(first.Id, out var revoked));
        Assert.Equal(_h.Time.GetUtcNow(), revoked!.RevokedAt);
        Assert.Equal(RevokeOutcome.LastAdmin, _h.Keys.Revoke(second.Id, out _));
        Assert.Equal(RevokeOutcome.NotFound, _h.Keys.Revoke("AKNOSUCHKEY000000000000", out _));
        Assert.False(_h.Reopen().Find(first.Id)!.Active);
    }

    [Fact]
    public void TheStoreHoldsNeitherTheSecretNorItsHash()
    {
        var (_, token) = _h.Keys.Create("ci", AccessKeyScope.Invoke("demo"));

        using var connection = _h.Db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, scope, hex(secret_sha256), created_at, hex(secret_sealed) FROM access_keys;";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        var row = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetString(i)).ToList();
        Assert.Equal([token.Id, "ci", "invoke:demo", new string('0', 64)], row.Take(4));
        Assert.DoesNotContain(row, v => v.Contains(token.Secret, StringComparison.Ordinal));
        // The hash signs requests: it is sealed with the server key, never stored as it is.
        Assert.DoesNotContain(row, v => v.Contains(Convert.ToHexString(token.SecretHash()), StringComparison.Ordinal));
    }

    [Fact]
    public void Used_IsWrittenToTheStoreAtMostOnceAMinute()
    {
        var (key, _) = _h.Keys.Create("ci", AccessKeyScope.Read);
        _h.Keys.Used(key);
        var first = _h.Time.GetUtcNow();
        _h.Time.Advance(TimeSpan.FromSeconds(59));
        _h.Keys.Used(key);

        Assert.Equal(_h.Time.GetUtcNow(), key.LastUsedAt);
        Assert.Equal(first, _h.Reopen().Find(key.Id)!.LastUsedAt);

        _h.Time.Advance(TimeSpan.FromSeconds(1));
        _h.Keys.Used(key);
        Assert.Equal(_h.Time.GetUtcNow(), _h.Reopen().Find(key.Id)!.LastUsedAt);
    }
}
