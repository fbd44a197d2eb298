using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Stasis.Server.Storage;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Storage;

/// <summary>Writes that wait in memory while another process holds the store, and go in, in order, once it lets go.</summary>
public sealed class DeferredWritesTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StasisDb _db;
    private readonly StoreHealth _health = new(new FakeTimeProvider(), NullLogger<StoreHealth>.Instance);
    private readonly DeferredWrites _writes;

    public DeferredWritesTests()
    {
        _db = new StasisDb(_dir.Path);
        _writes = new DeferredWrites(_db, _health, NullLogger<DeferredWrites>.Instance);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_StoreFree_GoesInAtOnce()
    {
        _writes.Write("f", c => Insert(c, "f", 1));

        Assert.Equal(0, _writes.Count);
        Assert.Equal([("f", 1L)], Functions());
        Assert.Null(_health.Current.Fault);
    }

    [Fact]
    public void Write_StoreLocked_WaitsInOrder_ThenDrainWritesThemAll()
    {
        var holder = StasisDbLockTests.Hold(_db.FilePath);
        _writes.Write("a v1", c => Upsert(c, "a", 1));
        _writes.Write("b v1", c => Upsert(c, "b", 1));
        _writes.Write("a v2", c => Upsert(c, "a", 2)); // queued behind the others without trying the store

        Assert.Equal(3, _writes.Count);
        Assert.Equal(3, _writes.Drain());
        Assert.Equal(StoreFault.Busy, _health.Current.Fault);
        Assert.Empty(Functions());

        holder.Dispose();
        Assert.Equal(0, _writes.Drain());

        Assert.Equal([("a", 2L), ("b", 1L)], Functions()); // the last write of "a" won
        Assert.Null(_health.Current.Fault);
    }

    [Fact]
    public void Drain_AWriteTheStoreRefusesForGood_IsDroppedAndTheRestGoIn()
    {
        var holder = StasisDbLockTests.Hold(_db.FilePath);
        _writes.Write("a", c => Insert(c, "a", 1));
        _writes.Write("a again", c => Insert(c, "a", 2)); // primary key violation: never going to work
        _writes.Write("b", c => Insert(c, "b", 1));
        holder.Dispose();

        Assert.Equal(0, _writes.Drain());

        Assert.Equal([("a", 1L), ("b", 1L)], Functions());
    }

    [Fact]
    public void Drain_NothingWaits_ButAFaultWasReported_LooksWhetherTheStoreTakesWritesAgain()
    {
        var holder = StasisDbLockTests.Hold(_db.FilePath);
        _health.Failed(StoreFault.Busy, "a control API change", new InvalidOperationException("database is locked"));

        _writes.Drain();
        Assert.Equal(StoreFault.Busy, _health.Current.Fault);

        holder.Dispose();
        _writes.Drain();
        Assert.Null(_health.Current.Fault);
    }

    private static void Insert(Microsoft.Data.Sqlite.SqliteConnection c, string name, long version) =>
        StasisDb.Execute(c, "INSERT INTO functions (name, spec_json, version, created_at, updated_at) VALUES ($n, '{}', $v, 'x', 'x');", ("$n", name), ("$v", version));

    private static void Upsert(Microsoft.Data.Sqlite.SqliteConnection c, string name, long version) =>
        StasisDb.Execute(c, "INSERT INTO functions (name, spec_json, version, created_at, updated_at) VALUES ($n, '{}', $v, 'x', 'x') ON CONFLICT(name) DO UPDATE SET version = excluded.version;", ("$n", name), ("$v", version));

    private List<(string, long)> Functions()
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, version FROM functions ORDER BY name;";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, long)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }
}
