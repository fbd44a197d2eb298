using Microsoft.Data.Sqlite;
using Stasis.Server.Storage;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Storage;

/// <summary>The store's write lock held by another connection (another process in production): start-up waits, then refuses.</summary>
public sealed class StasisDbLockTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_LockHeldLongerThanTheWait_ThrowsNamingTheFile()
    {
        var first = new StasisDb(_dir.Path);
        using var holder = Hold(first.FilePath);
        var waited = new List<string>();

        var e = Assert.Throws<StoreUnavailableException>(() => new StasisDb(_dir.Path, TimeSpan.FromSeconds(1), waited.Add));

        Assert.StartsWith($"the store {first.FilePath} is locked by another process", e.Message);
        Assert.Contains("kept it for more than 1 s", e.Message);
        Assert.Equal(StoreFault.Busy, StoreFaults.Classify(e.InnerException));
        Assert.Contains("waiting up to 1 s for it", Assert.Single(waited));
    }

    [Fact]
    public async Task Open_LockReleasedWithinTheWait_Opens()
    {
        var first = new StasisDb(_dir.Path);
        var holder = Hold(first.FilePath);
        var waited = new List<string>();
        var release = Task.Run(async () =>
        {
            while (waited.Count == 0)
            {
                await Task.Delay(20);
            }

            holder.Dispose(); // rolls back, releasing the lock
        });

        var db = new StasisDb(_dir.Path, TimeSpan.FromSeconds(30), w => { lock (waited) { waited.Add(w); } });
        await release;

        Assert.Single(waited);
        using var connection = db.Open();
        StasisDb.Execute(connection, "INSERT INTO functions (name, spec_json, version, created_at, updated_at) VALUES ('f', '{}', 1, 'x', 'x');");
    }

    [Fact]
    public void Write_WhileAnotherConnectionHoldsTheLock_FailsAsBusyAfterTheBusyTimeout()
    {
        var db = new StasisDb(_dir.Path);
        using var holder = Hold(db.FilePath);
        using var connection = db.Open(TimeSpan.FromSeconds(1));

        var e = Assert.Throws<SqliteException>(() => StasisDb.Execute(connection, "DELETE FROM meter_open;"));

        Assert.Equal(StoreFault.Busy, StoreFaults.Classify(e));
    }

    /// <summary>A connection of its own (not pooled) in a write transaction; disposing it releases the lock.</summary>
    internal static SqliteConnection Hold(string file)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        StasisDb.Execute(connection, "BEGIN EXCLUSIVE;");
        return connection;
    }
}
