using Stasis.Server.Metering;

namespace Stasis.Tests.Metering;

public sealed class MeterLedgerTests
{
    private static readonly DateTimeOffset T = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly MeteredInstance A = new("a", "fn", InstanceKind.Provisioned, 2, 4, 16);

    private readonly MeterLedger _ledger = new();
    private readonly List<MeterInterval> _closed = [];

    [Fact]
    public void Change_StartIdleActiveEnd_ClosesOneIntervalPerState()
    {
        _ledger.Start(A, T, _closed);
        _ledger.Change("a", MeterState.Idle, T.AddSeconds(2), _closed);
        _ledger.Change("a", MeterState.Active, T.AddSeconds(5), _closed);
        _ledger.End("a", T.AddSeconds(6), _closed);

        Assert.Equal(
            [(MeterState.Active, 0, 2), (MeterState.Idle, 2, 5), (MeterState.Active, 5, 6)],
            _closed.Select(i => (i.State, (int)(i.Start - T).TotalSeconds, (int)(i.End - T).TotalSeconds)));
        Assert.Equal(0, _ledger.OpenCount);
    }

    [Fact]
    public void Change_SameState_IsIgnored()
    {
        _ledger.Start(A, T, _closed);
        _ledger.Change("a", MeterState.Active, T.AddSeconds(1), _closed);

        Assert.Empty(_closed);
        Assert.True(_ledger.TryGetOpen("a", out var open));
        Assert.Equal(T, open.Start);
    }

    [Fact]
    public void ChangeAndEnd_UnknownInstance_AreIgnored()
    {
        _ledger.Change("nobody", MeterState.Idle, T, _closed);
        _ledger.End("nobody", T, _closed);
        _ledger.Start(A, T, _closed);
        _ledger.End("a", T.AddSeconds(1), _closed);
        _ledger.End("a", T.AddSeconds(2), _closed); // a second Ended

        Assert.Single(_closed);
    }

    [Fact]
    public void Change_AtTheSameInstant_DropsTheZeroLengthInterval()
    {
        _ledger.Start(A, T, _closed);
        _ledger.Change("a", MeterState.Idle, T, _closed);
        _ledger.End("a", T.AddSeconds(3), _closed);

        var only = Assert.Single(_closed);
        Assert.Equal(MeterState.Idle, only.State);
        Assert.Equal(TimeSpan.FromSeconds(3), only.Duration);
    }

    [Fact]
    public void Change_ClockStepsBack_NeverOverlapsThePreviousInterval()
    {
        _ledger.Start(A, T, _closed);
        _ledger.Change("a", MeterState.Idle, T.AddSeconds(10), _closed);
        _ledger.Change("a", MeterState.Active, T.AddSeconds(4), _closed); // the wall clock went back 6 s
        _ledger.End("a", T.AddSeconds(12), _closed);

        Assert.Equal([T, T.AddSeconds(10)], _closed.Select(i => i.Start));
        Assert.Equal([T.AddSeconds(10), T.AddSeconds(12)], _closed.Select(i => i.End));
    }

    [Fact]
    public void Start_SameIdAgain_ClosesTheOldIntervalAndOpensAnActiveOne()
    {
        _ledger.Start(A, T, _closed);
        _ledger.Change("a", MeterState.Idle, T.AddSeconds(1), _closed);
        _ledger.Start(A with { GpuMemoryGb = 24 }, T.AddSeconds(3), _closed);

        Assert.Equal(2, _closed.Count);
        Assert.True(_ledger.TryGetOpen("a", out var open));
        Assert.Equal((MeterState.Active, T.AddSeconds(3), 24.0), (open.State, open.Start, open.Instance.GpuMemoryGb));
    }

    [Fact]
    public void Start_SubMicrosecondTimes_AreCutToWholeMicroseconds()
    {
        _ledger.Start(A, T.AddTicks(7), _closed);
        _ledger.End("a", T.AddTicks(25), _closed); // 2.5 µs after T: [T, T+2 µs)

        var only = Assert.Single(_closed);
        Assert.Equal(T, only.Start);
        Assert.Equal(T.AddTicks(20), only.End);
    }

    [Fact]
    public void Meter_TakeBatch_HandsOverClosedOnceAndOpenEveryTime()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T);
        var meter = new Meter(time);
        meter.Started(A, T);
        time.Advance(TimeSpan.FromSeconds(2));
        meter.Changed("a", MeterState.Idle, time.GetUtcNow());
        time.Advance(TimeSpan.FromSeconds(1));

        var first = meter.TakeBatch();
        var second = meter.TakeBatch();

        Assert.Single(first.Closed);
        Assert.Empty(second.Closed);
        Assert.Equal(T.AddSeconds(3), first.Heartbeat);
        Assert.Equal((MeterState.Idle, T.AddSeconds(2)), (Assert.Single(second.Open).State, second.Open[0].Start));
    }
}
