using Stasis.Server.Metering;

namespace Stasis.Tests.Storage.Contracts;

/// <summary>
/// What every implementation of the meter ledger must do: closed intervals come back as written and sum per
/// instance and state, an interval left open at the last heartbeat is closed there once by the next server's
/// recovery (never twice), and reads clip by overlap, not by containment.
/// </summary>
public abstract class MeterLedgerContract
{
    private protected abstract IMeterLedger Fresh();

    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly MeteredInstance A = new("a-1", "a", InstanceKind.OnDemand, 1, 0.5, 0);
    private static readonly MeteredInstance B = new("b-1", "b", InstanceKind.Provisioned, 2, 1, 0);

    [Fact]
    public void Closed_intervals_read_back_and_sum_per_instance_and_state()
    {
        var ledger = Fresh();
        ledger.Write(new MeterBatch(
        [
            new MeterInterval(A, MeterState.Active, T0, T0.AddSeconds(10)),
            new MeterInterval(A, MeterState.Idle, T0.AddSeconds(10), T0.AddSeconds(40)),
            new MeterInterval(B, MeterState.Active, T0, T0.AddSeconds(5)),
        ], [], T0.AddSeconds(40)));

        Assert.Equal(3, ledger.Read(null, T0, T0.AddMinutes(1)).Count);
        Assert.Equal(2, ledger.Read("a", T0, T0.AddMinutes(1)).Count);
        // An interval overlapping the window's start is read (the bill clips it).
        Assert.Single(ledger.Read("a", T0.AddSeconds(20), T0.AddMinutes(1)));
        var sums = ledger.Sum("a", T0, T0.AddMinutes(1));
        Assert.Equal(TimeSpan.FromSeconds(10), sums.Single(s => s.State == MeterState.Active).Duration);
        Assert.Equal(TimeSpan.FromSeconds(30), sums.Single(s => s.State == MeterState.Idle).Duration);
        Assert.True(ledger.HasFunction("b"));
        Assert.False(ledger.HasFunction("c"));
    }

    [Fact]
    public void An_interval_left_open_is_closed_at_its_heartbeat_by_recovery_once()
    {
        var ledger = Fresh();
        ledger.Write(new MeterBatch([], [new OpenInterval(A, MeterState.Active, T0)], T0.AddSeconds(41.5)));

        var recovered = Assert.Single(ledger.Recover());

        Assert.Equal((MeterState.Active, T0, T0.AddSeconds(41.5)), (recovered.State, recovered.Start, recovered.End));
        Assert.Empty(ledger.Recover()); // a second server's recovery finds nothing left to close
        Assert.Equal(TimeSpan.FromSeconds(41.5), Assert.Single(ledger.Sum("a", T0, T0.AddMinutes(1))).Duration);
    }
}
