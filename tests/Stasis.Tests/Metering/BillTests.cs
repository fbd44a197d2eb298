using Stasis.Client.Model;
using Stasis.Server.Metering;

namespace Stasis.Tests.Metering;

public sealed class BillTests
{
    private static readonly DateTimeOffset T = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly MeteredInstance Gpu = new("g", "llm", InstanceKind.Provisioned, 0, 0, 10);

    [Fact]
    public void Compute_IntervalsCrossingThePeriod_AreClippedToIt()
    {
        // [0, 100) active, [100, 200) idle; period [50, 150): 50 s active + 50 s idle.
        var bill = Bill.Compute([Interval(Gpu, MeterState.Active, 0, 100), Interval(Gpu, MeterState.Idle, 100, 200)], T.AddSeconds(50), T.AddSeconds(150), new Prices());

        Assert.Equal(50m, bill.Total.ActiveSeconds);
        Assert.Equal(50m, bill.Total.IdleSeconds);
        Assert.Equal((50m * 10 * 2.1m) + (50m * 10 * 0.5m), bill.Total.Cu); // 1050 + 250 = 1300 CU
        var row = bill.Functions[0].Instances[0];
        Assert.Equal((T.AddSeconds(50), T.AddSeconds(150)), (row.From, row.To));
    }

    [Fact]
    public void Compute_IntervalsOutsideThePeriod_AreLeftOut()
    {
        var bill = Bill.Compute([Interval(Gpu, MeterState.Active, 0, 10)], T.AddSeconds(10), T.AddSeconds(20), new Prices());

        Assert.Empty(bill.Functions);
        Assert.Equal(0m, bill.Total.CostUsd);
    }

    [Fact]
    public void Compute_OnDemandIdle_IsFreeButCountsAsIdleTime()
    {
        var onDemand = Gpu with { InstanceId = "o", Kind = InstanceKind.OnDemand };
        var bill = Bill.Compute([Interval(onDemand, MeterState.Idle, 0, 30), Interval(onDemand, MeterState.Active, 30, 40)], T, T.AddSeconds(40), new Prices());

        Assert.Equal(30m, bill.Total.IdleSeconds);
        Assert.Equal(10m * 10 * 2.1m, bill.Total.Cu);                 // 210 CU, the active 10 s only
        Assert.Equal(40m * 10 * 2.1m, bill.Total.AlwaysAllocatedCu);   // 840 CU had it stayed allocated
        Assert.Equal((840m - 210m) * 0.00002m, bill.Total.SavingUsd);
        Assert.Equal("onDemand", bill.Functions[0].Instances[0].Kind);
    }

    [Fact]
    public void Compute_SeveralFunctions_RowsPerFunctionAndInstanceSumToTheTotal()
    {
        var a1 = Gpu with { InstanceId = "a1", FunctionName = "a" };
        var a2 = Gpu with { InstanceId = "a2", FunctionName = "a", VCpu = 2 };
        var b1 = Gpu with { InstanceId = "b1", FunctionName = "b", MemoryGb = 8 };
        var bill = Bill.Compute(
            [Interval(b1, MeterState.Idle, 0, 5), Interval(a2, MeterState.Active, 3, 9), Interval(a1, MeterState.Active, 1, 2), Interval(a1, MeterState.Idle, 2, 4)],
            T, T.AddSeconds(10), new Prices());

        Assert.Equal(["a", "b"], bill.Functions.Select(f => f.FunctionName));
        Assert.Equal(["a1", "a2"], bill.Functions[0].Instances.Select(i => i.InstanceId));
        Assert.Equal(bill.Functions[0].Instances.Sum(i => i.Cu), bill.Functions[0].Cu);
        Assert.Equal(bill.Functions.Sum(f => f.CostUsd), bill.Total.CostUsd);
        Assert.Equal(bill.Functions.Sum(f => f.GpuCostUsd + f.VcpuCostUsd + f.MemoryCostUsd), bill.Total.CostUsd);
    }

    [Fact]
    public void Compute_WithAFunctionName_BillsOnlyThatFunction()
    {
        var other = Gpu with { InstanceId = "x", FunctionName = "other" };
        var bill = Bill.Compute([Interval(Gpu, MeterState.Active, 0, 1), Interval(other, MeterState.Active, 0, 1)], T, T.AddSeconds(1), new Prices(), "llm");

        Assert.Equal("llm", Assert.Single(bill.Functions).FunctionName);
        Assert.Equal("llm", bill.FunctionName);
    }

    [Fact]
    public void Compute_ConfiguredPrices_AreTheOnesUsed()
    {
        var prices = new Prices { CuPriceUsd = 0.001m, GpuIdleCuPerGbSecond = 0.25m };
        var bill = Bill.Compute([Interval(Gpu, MeterState.Idle, 0, 4)], T, T.AddSeconds(4), prices);

        Assert.Equal(10m, bill.Total.Cu);           // 4 s × 10 GB × 0.25
        Assert.Equal(0.01m, bill.Total.CostUsd);    // 10 CU × $0.001
        Assert.Same(prices, bill.Prices);
    }

    private static MeterInterval Interval(MeteredInstance instance, MeterState state, int fromSecond, int toSecond) =>
        new(instance, state, T.AddSeconds(fromSecond), T.AddSeconds(toSecond));
}
