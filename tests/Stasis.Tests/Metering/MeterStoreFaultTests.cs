using Stasis.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Stasis.Server.Metering;
using Stasis.Server.Storage;
using Stasis.Tests.Storage;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Metering;

/// <summary>The meter while the store cannot take its heartbeats (another process holds the lock): nothing is lost, the bill still adds up.</summary>
public sealed class MeterStoreFaultTests : IDisposable
{
    private static readonly DateTimeOffset T = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly MeteredInstance A = new("a", "llm", InstanceKind.OnDemand, 1, 2, 0);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(T);
    private readonly StasisDb _db;
    private readonly StoreHealth _health;
    private readonly Meter _meter;
    private readonly MeterJournal _journal;

    public MeterStoreFaultTests()
    {
        _db = new StasisDb(_dir.Path);
        _health = new StoreHealth(_time, NullLogger<StoreHealth>.Instance);
        _meter = new Meter(_time);
        _journal = new MeterJournal(_meter, new SqliteMeterLedger(_db), _health);
        _journal.Recover();
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void HeartbeatsWhileLocked_KeepEveryInterval_AndWriteThemOnceTheLockGoes()
    {
        _meter.Started(A, T);
        At(1);
        _journal.Flush();                                   // stored: open active since 0
        var holder = StasisDbLockTests.Hold(_db.FilePath);
        At(2);
        _meter.Changed("a", MeterState.Idle, Now);          // [0, 2) active closed
        At(3);
        Assert.Equal(StoreFault.Busy, StoreFaults.Classify(Assert.ThrowsAny<SqliteException>(() => _journal.Flush())));
        _health.Failed(StoreFault.Busy, "meter intervals", new InvalidOperationException("locked"));
        At(4);
        _meter.Changed("a", MeterState.Active, Now);        // [2, 4) idle closed
        At(5);
        _meter.Ended("a", Now);                             // [4, 5) active closed
        Assert.Throws<SqliteException>(() => _journal.Flush());
        Assert.Equal(3, _journal.Pending);

        // A bill read meanwhile comes from the store and memory, without waiting for the lock.
        var reading = _journal.Read("llm", T, null);
        Assert.Equal([(MeterState.Active, 0.0, 2.0), (MeterState.Idle, 2, 4), (MeterState.Active, 4, 5)], Spans(reading.Intervals));
        var totals = _journal.Sum("llm", T, null);
        Assert.Equal(3.0, totals.Sums.Where(x => x.State == MeterState.Active).Sum(x => x.Duration.TotalSeconds));
        Assert.Equal(2.0, totals.Sums.Where(x => x.State == MeterState.Idle).Sum(x => x.Duration.TotalSeconds));

        holder.Dispose();
        At(6);
        _journal.Flush();

        Assert.Equal(0, _journal.Pending);
        Assert.Equal([(MeterState.Active, 0.0, 2.0), (MeterState.Idle, 2, 4), (MeterState.Active, 4, 5)],
            Spans(new SqliteMeterLedger(_db).Read("llm", DateTimeOffset.MinValue, DateTimeOffset.MaxValue)));
        Assert.Equal(0, Count("meter_open"));
    }

    [Fact]
    public void KilledWhileLocked_TheNextServerClosesAtTheLastHeartbeatThatWasWritten()
    {
        _meter.Started(A, T);
        At(1);
        _journal.Flush();                                   // last heartbeat written: 1 s
        using (StasisDbLockTests.Hold(_db.FilePath))
        {
            At(2);
            _meter.Changed("a", MeterState.Idle, Now);
            At(3);
            Assert.Throws<SqliteException>(() => _journal.Flush());
        }

        // kill -9 here: what waited in memory is gone; the store holds the beat of 1 s, consistent on its own.
        var next = new MeterJournal(new Meter(_time), new SqliteMeterLedger(new StasisDb(_dir.Path)));
        var recovered = Assert.Single(next.Recover());

        Assert.Equal((MeterState.Active, 0.0, 1.0), Spans([recovered]).Single());
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private void At(double seconds) => _time.SetUtcNow(T.AddSeconds(seconds));

    private static List<(MeterState, double, double)> Spans(IEnumerable<MeterInterval> intervals) =>
        intervals.OrderBy(i => i.Start).Select(i => (i.State, (i.Start - T).TotalSeconds, (i.End - T).TotalSeconds)).ToList();

    private long Count(string table)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table};";
        return (long)command.ExecuteScalar()!;
    }
}
