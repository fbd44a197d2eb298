using Stasis.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Stasis.Server.Metering;
using Stasis.Server.Storage;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Metering;

/// <summary>A server killed between heartbeats, and the next one closing what it left open.</summary>
public sealed class MeterRecoveryTests : IDisposable
{
    private static readonly DateTimeOffset T = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly MeteredInstance A = new("a", "llm", InstanceKind.Provisioned, 2, 4, 16);
    private static readonly MeteredInstance B = new("b", "llm", InstanceKind.OnDemand, 1, 2, 0);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(T);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Recover_AfterAKill_ClosesOpenIntervalsAtTheLastHeartbeat()
    {
        var (meter, journal) = Server();
        meter.Started(A, T);
        meter.Started(B, T);
        At(2);
        meter.Changed("a", MeterState.Idle, Now);   // [0, 2) active closed, idle open
        meter.Ended("b", Now);                      // [0, 2) active closed
        At(3);
        journal.Flush();                            // heartbeat at 3 s: two closed rows, one open row
        At(3.5);
        meter.Changed("a", MeterState.Active, Now); // after the last beat: lost with the process
        At(3.9);
        // kill -9 here: no Ended, no last heartbeat.

        var (_, next) = Server();
        var recovered = next.Recover();

        var only = Assert.Single(recovered);
        Assert.Equal(("a", MeterState.Idle, T.AddSeconds(2), T.AddSeconds(3)), (only.Instance.InstanceId, only.State, only.Start, only.End));
        var stored = Store().Read(null, DateTimeOffset.MinValue, DateTimeOffset.MaxValue);
        Assert.Equal(
            [("a", MeterState.Active, 0.0, 2.0), ("b", MeterState.Active, 0, 2), ("a", MeterState.Idle, 2, 3)],
            stored.Select(i => (i.Instance.InstanceId, i.State, (i.Start - T).TotalSeconds, (i.End - T).TotalSeconds)));
        Assert.Equal(16.0, stored[0].Instance.GpuMemoryGb);
        Assert.Equal(InstanceKind.OnDemand, stored[1].Instance.Kind);
    }

    [Fact]
    public void Recover_Twice_CountsNothingTwice()
    {
        var (meter, journal) = Server();
        meter.Started(A, T);
        At(5);
        journal.Flush();

        Server().Journal.Recover();
        Assert.Empty(Server().Journal.Recover());

        Assert.Single(Store().Read(null, DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
    }

    [Fact]
    public void Flush_BeforeRecover_RecoversFirstSoNothingLeftOpenIsLost()
    {
        var (meter, journal) = Server();
        meter.Started(A, T);
        At(4);
        journal.Flush();

        var (_, next) = Server();
        next.Flush(); // no Recover call: the first write recovers

        Assert.Equal(TimeSpan.FromSeconds(4), Assert.Single(Store().Read(null, DateTimeOffset.MinValue, DateTimeOffset.MaxValue)).Duration);
        Assert.Empty(next.Recover());
    }

    [Fact]
    public void Flush_AfterEveryInstanceEnded_LeavesNothingOpen()
    {
        var (meter, journal) = Server();
        meter.Started(A, T);
        At(1);
        journal.Flush();
        At(2);
        meter.Ended("a", Now);
        journal.Flush();

        Assert.Empty(Server().Journal.Recover());
        Assert.Equal(TimeSpan.FromSeconds(2), Assert.Single(Store().Read("llm", T, T.AddHours(1))).Duration);
        Assert.Equal(0L, Count("meter_open"));
    }

    [Fact]
    public void Flush_WhenTheStoreFails_KeepsTheIntervalsForTheNextBeat()
    {
        var (meter, journal) = Server();
        meter.Started(A, T);
        At(1);
        meter.Ended("a", Now);
        Execute("ALTER TABLE meter_intervals RENAME TO broken;");

        Assert.Throws<SqliteException>(() => journal.Flush());
        Execute("ALTER TABLE broken RENAME TO meter_intervals;");
        journal.Flush();

        Assert.Single(Store().Read(null, DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
    }

    [Fact]
    public void Read_ClosesOpenIntervalsAtNowWithoutStoringThemClosed()
    {
        var (meter, journal) = Server();
        meter.Started(A, T);
        At(7);

        var reading = journal.Read("llm", DateTimeOffset.MinValue, null);

        Assert.Equal(T.AddSeconds(7), reading.Now);
        Assert.Equal(TimeSpan.FromSeconds(7), Assert.Single(reading.Intervals).Duration);
        Assert.Empty(Store().Read(null, DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
        Assert.Equal(1L, Count("meter_open"));
        Assert.True(journal.Knows("llm"));
        Assert.False(journal.Knows("other"));
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private void At(double seconds) => _time.SetUtcNow(T.AddSeconds(seconds));

    private (Meter Meter, MeterJournal Journal) Server()
    {
        var meter = new Meter(_time);
        return (meter, new MeterJournal(meter, Store()));
    }

    private SqliteMeterLedger Store() => new(new StasisDb(_dir.Path));

    private void Execute(string sql)
    {
        using var connection = new StasisDb(_dir.Path).Open();
        StasisDb.Execute(connection, sql);
    }

    private long Count(string table)
    {
        using var connection = new StasisDb(_dir.Path).Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table};";
        return (long)command.ExecuteScalar()!;
    }
}
