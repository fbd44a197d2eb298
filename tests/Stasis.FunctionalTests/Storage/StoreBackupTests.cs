using Microsoft.Data.Sqlite;
using Stasis.Server.Storage;

namespace Stasis.FunctionalTests.Storage;

/// <summary>
/// <c>stasis store backup FILE</c> while the server runs and writes (requests being served, the meter's heartbeat):
/// the copy is a whole store, passes SQLite's integrity check, holds what was deployed, stands alone (no -wal) and is
/// the owner's only. It never overwrites, and a data directory without a store is named.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StoreBackupTests : IAsyncLifetime
{
    private readonly ServerFixture _fixture = new();
    private readonly string _backup = Path.Combine(Path.GetTempPath(), "stasis-backup-" + Guid.NewGuid().ToString("N")[..8] + ".db");

    [Fact]
    public async Task ABackupTakenUnderLoadIsAWholeStoreOfItsOwn()
    {
        await _fixture.DeployAsync(ServerFixture.Echo("backed-up"));
        using var stop = new CancellationTokenSource();
        var served = 0;
        var load = Task.Run(async () =>
        {
            for (var i = 0; i < 2000 && !stop.IsCancellationRequested; i++)
            {
                using var response = await _fixture.Http.GetAsync("fn/backed-up/hello", CancellationToken.None);
                response.EnsureSuccessStatusCode();
                Interlocked.Increment(ref served);
            }
        });
        await ServerFixture.Until(() => Task.FromResult(Volatile.Read(ref served) >= 20), "requests being served");

        var result = StoreTools.Backup(_fixture.DataDirectory, _backup);
        await stop.CancelAsync();
        await load;

        Assert.Equal(_backup, result.File);
        Assert.True(result.Bytes > 0);
        Assert.False(File.Exists(_backup + "-wal"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_backup));
        using (var copy = new SqliteConnection($"Data Source={_backup};Mode=ReadOnly;Pooling=False"))
        {
            copy.Open();
            Assert.Equal("ok", Scalar(copy, "PRAGMA integrity_check;"));
            Assert.Equal("backed-up", Scalar(copy, "SELECT name FROM functions;"));
            Assert.Equal("delete", Scalar(copy, "PRAGMA journal_mode;"));
        }

        var again = Assert.Throws<StoreUnavailableException>(() => StoreTools.Backup(_fixture.DataDirectory, _backup));
        Assert.Contains("exists", again.Message, StringComparison.Ordinal);
        var nowhere = Assert.Throws<StoreUnavailableException>(() => StoreTools.Backup(Path.Combine(_fixture.DataDirectory, "logs"), _backup + ".2"));
        Assert.Contains("there is no store at", nowhere.Message, StringComparison.Ordinal);
        Assert.True(StoreTools.Check(_fixture.DataDirectory).Ok);
    }

    private static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _fixture.DisposeAsync();
        File.Delete(_backup);
    }
}
