using FsCheck.Xunit;
using Stasis.Client.Model;
using Stasis.Server.Metering;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Metering;

/// <summary>
/// For any run of start, request, freeze, thaw, crash and restart events (and heartbeats taking what
/// the meter holds at any point), each instance's intervals are contiguous, never overlap, add up to
/// its lifetime, split into the active and idle time it really had, and bill at exactly the formula.
/// </summary>
public sealed class MeterPropertyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Property(Arbitrary = [typeof(MeterArbitraries)], MaxTest = 300)]
    public void Meter_AnyEvents_IntervalsTileEachLifetime(MeterStep[] steps)
    {
        var driver = Drive(steps);

        foreach (var (id, account) in driver.Accounts)
        {
            var mine = driver.Taken.Where(i => i.Instance.InstanceId == id).OrderBy(i => i.Start).ToList();
            var lifetime = account.Ended!.Value - account.Started;
            if (lifetime == TimeSpan.Zero)
            {
                Assert.Empty(mine); // zero-length intervals are dropped
                continue;
            }

            Assert.Equal(account.Started, mine[0].Start);
            Assert.Equal(account.Ended, mine[^1].End);
            Assert.All(mine, i => Assert.True(i.End > i.Start, $"{i} is empty or reversed"));
            for (var k = 1; k < mine.Count; k++)
            {
                Assert.Equal(mine[k - 1].End, mine[k].Start); // contiguous, hence no overlap
            }

            Assert.Equal(lifetime, Sum(mine));
            Assert.Equal(account.Active, Sum(mine.Where(i => i.State == MeterState.Active)));
            Assert.Equal(account.Idle, Sum(mine.Where(i => i.State == MeterState.Idle)));
        }
    }

    [Property(Arbitrary = [typeof(MeterArbitraries)], MaxTest = 300)]
    public void Bill_AnyEvents_EqualsIdleTimesIdlePricePlusActiveTimesActivePrice(MeterStep[] steps)
    {
        var driver = Drive(steps);
        var prices = new Prices();
        var bill = Bill.Compute(driver.Taken, T0, driver.Time.GetUtcNow(), prices);

        var rows = bill.Functions.SelectMany(f => f.Instances).ToDictionary(i => i.InstanceId);
        var expectedTotal = 0m;
        foreach (var (id, account) in driver.Accounts.Where(a => a.Value.Ended > a.Value.Started))
        {
            var (idle, active) = (Seconds(account.Idle), Seconds(account.Active));
            var expectedCu = (idle * IdleCuPerSecond(account.Instance, prices)) + (active * ActiveCuPerSecond(account.Instance, prices));
            var row = rows[id];
            Assert.Equal(idle, row.IdleSeconds);
            Assert.Equal(active, row.ActiveSeconds);
            Assert.Equal(expectedCu, row.Cu);
            Assert.Equal(expectedCu * prices.CuPriceUsd, row.CostUsd);
            Assert.Equal((idle + active) * ActiveCuPerSecond(account.Instance, prices) * prices.CuPriceUsd, row.AlwaysAllocatedCostUsd);
            expectedTotal += expectedCu * prices.CuPriceUsd;
        }

        Assert.Equal(expectedTotal, bill.Total.CostUsd);
        Assert.Equal(bill.Functions.Sum(f => f.CostUsd), bill.Total.CostUsd);
        Assert.True(bill.Total.SavingUsd >= 0, "idle prices are below active ones, so idle mode never costs more");
    }

    /// <summary>CU per second an instance costs while active: e.g. 16 GB GPU, 8 vCPU, 32 GB → 16×2.1 + 8×1 + 32×0.15 = 46.4.</summary>
    internal static decimal ActiveCuPerSecond(MeteredInstance i, Prices p) =>
        ((decimal)i.GpuMemoryGb * p.GpuActiveCuPerGbSecond) + ((decimal)i.VCpu * p.VcpuActiveCuPerSecond) + ((decimal)i.MemoryGb * p.MemoryActiveCuPerGbSecond);

    /// <summary>CU per second while idle: e.g. provisioned 16 GB GPU, 8 vCPU, 32 GB → 16×0.5 + 8×0 + 32×0.15 = 12.8; on-demand → 0.</summary>
    internal static decimal IdleCuPerSecond(MeteredInstance i, Prices p) => i.Kind == InstanceKind.OnDemand
        ? 0m
        : ((decimal)i.GpuMemoryGb * p.GpuIdleCuPerGbSecond) + ((decimal)i.VCpu * p.VcpuIdleCuPerSecond) + ((decimal)i.MemoryGb * p.MemoryIdleCuPerGbSecond);

    internal static decimal Seconds(TimeSpan span) => span.Ticks / (decimal)TimeSpan.TicksPerSecond;

    private static MeterDriver Drive(MeterStep[] steps)
    {
        var driver = new MeterDriver(T0);
        driver.Run(steps);
        driver.Time.Advance(TimeSpan.FromSeconds(1));
        driver.EndAll();
        return driver;
    }

    private static TimeSpan Sum(IEnumerable<MeterInterval> intervals) => intervals.Aggregate(TimeSpan.Zero, (sum, i) => sum + i.Duration);
}
