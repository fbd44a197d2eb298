using Stasis.Client.Model;

namespace Stasis.Server.Metering;

/// <summary>Running sums of one bill row: seconds in each state and CU by resource, exact (decimal).</summary>
internal sealed class BillTally
{
    public decimal IdleSeconds { get; private set; }
    public decimal ActiveSeconds { get; private set; }
    public decimal GpuCu { get; private set; }
    public decimal VcpuCu { get; private set; }
    public decimal MemoryCu { get; private set; }
    public decimal AlwaysAllocatedCu { get; private set; }

    /// <summary>
    /// Adds one interval (already clipped to the bill's period). CU = seconds × resource × the unit
    /// price of the interval's state; on-demand idle time is free, as FC bills those only for what they run.
    /// Example, 10 s idle on a provisioned instance with 16 GB GPU memory, 8 vCPU, 32 GB memory:
    /// GPU 16 × 10 × 0.5 = 80 CU, vCPU 8 × 10 × 0 = 0 CU, memory 32 × 10 × 0.15 = 48 CU → 128 CU = $0.00256;
    /// always allocated it would be 16 × 10 × 2.1 + 8 × 10 × 1 + 32 × 10 × 0.15 = 464 CU = $0.00928.
    /// </summary>
    public void Add(MeterInterval interval, Prices prices) => Add(interval.Instance, interval.State, interval.Duration, prices);

    /// <summary>Adds <paramref name="duration"/> of <paramref name="instance"/> in <paramref name="state"/>, priced as one interval that long.</summary>
    public void Add(MeteredInstance instance, MeterState state, TimeSpan duration, Prices prices)
    {
        var seconds = duration.Ticks / (decimal)TimeSpan.TicksPerSecond;
        var (gpuGb, vcpu, memoryGb) = ((decimal)instance.GpuMemoryGb, (decimal)instance.VCpu, (decimal)instance.MemoryGb);
        AlwaysAllocatedCu += seconds * ((gpuGb * prices.GpuActiveCuPerGbSecond) + (vcpu * prices.VcpuActiveCuPerSecond) + (memoryGb * prices.MemoryActiveCuPerGbSecond));

        if (state == MeterState.Active)
        {
            ActiveSeconds += seconds;
            GpuCu += gpuGb * seconds * prices.GpuActiveCuPerGbSecond;
            VcpuCu += vcpu * seconds * prices.VcpuActiveCuPerSecond;
            MemoryCu += memoryGb * seconds * prices.MemoryActiveCuPerGbSecond;
            return;
        }

        IdleSeconds += seconds;
        if (instance.Kind == InstanceKind.Provisioned)
        {
            GpuCu += gpuGb * seconds * prices.GpuIdleCuPerGbSecond;
            VcpuCu += vcpu * seconds * prices.VcpuIdleCuPerSecond;
            MemoryCu += memoryGb * seconds * prices.MemoryIdleCuPerGbSecond;
        }
    }

    public void Add(BillTally other)
    {
        IdleSeconds += other.IdleSeconds;
        ActiveSeconds += other.ActiveSeconds;
        GpuCu += other.GpuCu;
        VcpuCu += other.VcpuCu;
        MemoryCu += other.MemoryCu;
        AlwaysAllocatedCu += other.AlwaysAllocatedCu;
    }

    /// <summary>
    /// <paramref name="row"/> with these sums and their prices in USD: cost = CU × USD per CU,
    /// e.g. 128 CU × 0.00002 = $0.00256; saving = always-allocated cost − cost.
    /// </summary>
    public T Fill<T>(T row, Prices prices)
        where T : BillRow
    {
        var cu = GpuCu + VcpuCu + MemoryCu;
        var cost = cu * prices.CuPriceUsd;
        var always = AlwaysAllocatedCu * prices.CuPriceUsd;
        BillRow filled = row with
        {
            IdleSeconds = Trim(IdleSeconds),
            ActiveSeconds = Trim(ActiveSeconds),
            GpuCu = Trim(GpuCu),
            VcpuCu = Trim(VcpuCu),
            MemoryCu = Trim(MemoryCu),
            Cu = Trim(cu),
            GpuCostUsd = Trim(GpuCu * prices.CuPriceUsd),
            VcpuCostUsd = Trim(VcpuCu * prices.CuPriceUsd),
            MemoryCostUsd = Trim(MemoryCu * prices.CuPriceUsd),
            CostUsd = Trim(cost),
            AlwaysAllocatedCu = Trim(AlwaysAllocatedCu),
            AlwaysAllocatedCostUsd = Trim(always),
            SavingUsd = Trim(always - cost),
        };
        return (T)filled;
    }

    /// <summary>The same value without trailing zeros (21.00 → 21), so the JSON reads as the number it is.</summary>
    private static decimal Trim(decimal value) => value / 1.0000000000000000000000000000m;
}
