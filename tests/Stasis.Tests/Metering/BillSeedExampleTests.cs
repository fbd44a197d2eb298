using Stasis.Client.Model;
using Stasis.Server.Metering;

namespace Stasis.Tests.Metering;

/// <summary>
/// SEED.md §3: an instance lives through windows T0..T4, idle in T0, T2, T4 and active in T1, T3;
/// cost = (T0 + T2 + T4) × idle unit price + (T1 + T3) × active unit price. With the default prices.
/// </summary>
public sealed class BillSeedExampleTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    // T0 idle 60 s, T1 active 1.5 s, T2 idle 300 s, T3 active 2.25 s, T4 idle 1200 s.
    private static readonly (MeterState State, TimeSpan Length)[] Windows =
    [
        (MeterState.Idle, TimeSpan.FromSeconds(60)),
        (MeterState.Active, TimeSpan.FromMilliseconds(1500)),
        (MeterState.Idle, TimeSpan.FromSeconds(300)),
        (MeterState.Active, TimeSpan.FromMilliseconds(2250)),
        (MeterState.Idle, TimeSpan.FromSeconds(1200)),
    ];

    [Fact]
    public void Bill_SeedExampleGpuOnly_IsIdleWindowsTimesIdlePricePlusActiveWindowsTimesActivePrice()
    {
        // A provisioned instance holding 16 GB of GPU memory and nothing else billed.
        var bill = Bill.Compute(Lifetime(new MeteredInstance("i-1", "llm", InstanceKind.Provisioned, 0, 0, 16)), Start, End, new Prices());

        // idle: (60 + 300 + 1200) s × 16 GB × 0.5 = 12 480 CU; active: (1.5 + 2.25) s × 16 GB × 2.1 = 126 CU.
        Assert.Equal(1560m, bill.Total.IdleSeconds);
        Assert.Equal(3.75m, bill.Total.ActiveSeconds);
        Assert.Equal(12_606m, bill.Total.GpuCu);
        Assert.Equal(12_606m, bill.Total.Cu);
        // 12 606 CU × $0.00002 = $0.25212
        Assert.Equal(0.25212m, bill.Total.CostUsd);
        Assert.Equal(0.25m, decimal.Round(bill.Total.CostUsd, 2));
    }

    [Fact]
    public void Bill_SeedExampleWholeInstance_SumsGpuVcpuAndMemoryAtTheirPrices()
    {
        // 16 GB GPU memory, 8 vCPU, 32 GB memory: idle 16×0.5 + 8×0 + 32×0.15 = 12.8 CU/s; active 16×2.1 + 8×1 + 32×0.15 = 46.4 CU/s.
        var bill = Bill.Compute(Lifetime(new MeteredInstance("i-1", "llm", InstanceKind.Provisioned, 8, 32, 16)), Start, End, new Prices());

        // (T0 + T2 + T4) × idle + (T1 + T3) × active = 1560 × 12.8 + 3.75 × 46.4 = 19 968 + 174 = 20 142 CU = $0.40284.
        var total = bill.Total;
        Assert.Equal(1560m * 12.8m + 3.75m * 46.4m, total.Cu);
        Assert.Equal(20_142m, total.Cu);
        Assert.Equal(12_606m, total.GpuCu);                // 1560×16×0.5 + 3.75×16×2.1
        Assert.Equal(30m, total.VcpuCu);                   // 3.75×8×1; idle vCPU is free
        Assert.Equal(7_506m, total.MemoryCu);              // 1563.75×32×0.15
        Assert.Equal(0.40284m, total.CostUsd);
        Assert.Equal(0.40m, decimal.Round(total.CostUsd, 2));
        // Always allocated: 1563.75 s × 46.4 CU/s = 72 558 CU = $1.45116; idle mode saves $1.04832.
        Assert.Equal(72_558m, total.AlwaysAllocatedCu);
        Assert.Equal(1.45116m, total.AlwaysAllocatedCostUsd);
        Assert.Equal(1.04832m, total.SavingUsd);

        var instance = Assert.Single(Assert.Single(bill.Functions).Instances);
        Assert.Equal(total.CostUsd, instance.CostUsd);
        Assert.Equal("provisioned", instance.Kind);
        Assert.Equal(Start, instance.From);
        Assert.Equal(End, instance.To);
    }

    [Fact]
    public void Bill_SeedExampleOnDemand_BillsOnlyTheActiveWindows()
    {
        var bill = Bill.Compute(Lifetime(new MeteredInstance("i-1", "llm", InstanceKind.OnDemand, 8, 32, 16)), Start, End, new Prices());

        Assert.Equal(1560m, bill.Total.IdleSeconds);
        Assert.Equal(3.75m * 46.4m, bill.Total.Cu);        // 174 CU: (T1 + T3) × active, idle free
        Assert.Equal(0.00348m, bill.Total.CostUsd);
    }

    private static DateTimeOffset End => Start + Windows.Aggregate(TimeSpan.Zero, (sum, w) => sum + w.Length);

    /// <summary>The windows through the real meter: Started, a Changed at each window, Ended.</summary>
    private static List<MeterInterval> Lifetime(MeteredInstance instance)
    {
        var meter = new Meter(TimeProvider.System);
        var at = Start;
        meter.Started(instance, at);
        foreach (var (state, length) in Windows)
        {
            meter.Changed(instance.InstanceId, state, at);
            at += length;
        }

        meter.Ended(instance.InstanceId, at);
        return [.. meter.TakeBatch().Closed];
    }
}
