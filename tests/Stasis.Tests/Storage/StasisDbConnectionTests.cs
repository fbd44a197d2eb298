using System.Globalization;
using Stasis.Server.Storage;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Storage;

/// <summary>What every connection the store hands out is set to.</summary>
public sealed class StasisDbConnectionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EveryConnection_HasForeignKeysWalAndASmallPageCache()
    {
        var db = new StasisDb(_dir.Path);

        // Twice: the second comes from the pool, and must have been set again all the same.
        for (var i = 0; i < 2; i++)
        {
            using var connection = db.Open();
            Assert.Equal("1", Pragma(connection, "foreign_keys"));
            Assert.Equal("wal", Pragma(connection, "journal_mode"));
            Assert.Equal("1", Pragma(connection, "synchronous")); // NORMAL
            Assert.Equal((-StasisDb.PageCacheKiB).ToString(CultureInfo.InvariantCulture), Pragma(connection, "cache_size"));
        }
    }

    private static string Pragma(Microsoft.Data.Sqlite.SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture)!;
    }
}
