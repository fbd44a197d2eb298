using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Security;
using Stasis.Server.Storage;

namespace Stasis.Tests.Security;

/// <summary>What the store keeps of an access key signs nothing without the server key; older stores keep their keys.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SealedSecretsTests
{
    [Fact]
    public void The_store_holds_no_signing_secret_only_one_sealed_with_the_server_key()
    {
        using var h = new SecurityHarness();
        var (key, token) = h.Keys.Create("ci", AccessKeyScope.Admin);

        var (hash, sealedSecret) = Row(h, key.Id);

        Assert.Equal(new byte[32], hash);
        Assert.NotNull(sealedSecret);
        Assert.DoesNotContain(Convert.ToHexString(token.SecretHash()), Convert.ToHexString(sealedSecret!));
        Assert.Equal(token.SecretHash(), h.ServerKey.Open(key.Id, sealedSecret!));
    }

    [Fact]
    public void A_key_of_an_older_store_keeps_working_and_is_sealed_on_the_next_start()
    {
        using var h = new SecurityHarness();
        var (key, token) = h.Keys.Create("old", AccessKeyScope.Read);
        using (var connection = h.Db.Open())
        {
            StasisDb.Execute(connection, "UPDATE access_keys SET secret_sealed = NULL, secret_sha256 = $hash WHERE id = $id;", ("$id", key.Id), ("$hash", token.SecretHash()));
        }

        var again = new AccessKeys(h.Store, h.Time, NullLoggerFactory.Instance);

        Assert.Equal(token.SecretHash(), again.Find(key.Id)!.SecretHash);
        var (hash, sealedSecret) = Row(h, key.Id);
        Assert.Equal(new byte[32], hash);
        Assert.NotNull(sealedSecret);
    }

    [Fact]
    public void Another_server_key_cannot_open_the_store_and_the_start_says_which_file()
    {
        using var h = new SecurityHarness();
        var (key, _) = h.Keys.Create("ci", AccessKeyScope.Admin);
        var other = Path.Combine(h.Directory, "other.key");
        File.WriteAllText(other, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        File.SetUnixFileMode(other, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.Throws<StoreUnavailableException>(() => ServerKey.Load(h.Directory, other).Open(key.Id, Row(h, key.Id).Sealed!));

        Assert.Contains("sealed with another server key", error.Message, StringComparison.Ordinal);
        Assert.Contains("--server-key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_key_others_can_read_is_refused_with_the_chmod()
    {
        using var h = new SecurityHarness();
        var path = Path.Combine(h.Directory, ServerKey.FileName);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));

        var error = Assert.Throws<StoreUnavailableException>(() => ServerKey.Load(h.Directory, null));

        Assert.Contains($"chmod 600 '{path}'", error.Message, StringComparison.Ordinal);
    }

    private static (byte[] Hash, byte[]? Sealed) Row(SecurityHarness h, string id)
    {
        using var connection = h.Db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT secret_sha256, secret_sealed FROM access_keys WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return ((byte[])reader.GetValue(0), reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1));
    }
}
