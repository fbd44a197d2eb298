using Stasis.Client.Model;

namespace Stasis.Server.Metering;

/// <summary>
/// The bill, a pure function of the ledger: SEED.md §3's cost = Σ idle seconds × idle price +
/// Σ active seconds × active price, per resource (GPU memory, vCPU, memory), summed per instance,
/// per function and in total, over the period [from, to).
/// </summary>
/// <remarks>
/// Example (the seed's): a provisioned instance with 16 GB of GPU memory lives through windows
/// T0..T4 of 10 s each, idle in T0, T2, T4 and active in T1, T3. Its GPU share is
/// 30 s × 16 GB × 0.5 + 20 s × 16 GB × 2.1 = 240 + 672 = 912 CU = $0.01824.
/// </remarks>
internal static class Bill
{
    public static BillReport Compute(IEnumerable<MeterInterval> intervals, DateTimeOffset from, DateTimeOffset to, Prices prices, string? functionName = null)
    {
        ArgumentNullException.ThrowIfNull(intervals);
        return Compute(intervals.Select(i => MeterSum.Of(i, from, to)).OfType<MeterSum>(), from, to, prices, functionName);
    }

    /// <summary>The bill from sums already clipped to [from, to) (see <see cref="IMeterLedger.Sum"/>).</summary>
    public static BillReport Compute(IEnumerable<MeterSum> sums, DateTimeOffset from, DateTimeOffset to, Prices prices, string? functionName = null)
    {
        ArgumentNullException.ThrowIfNull(sums);
        ArgumentNullException.ThrowIfNull(prices);
        var instances = new Dictionary<(string Function, string Instance), InstanceTally>();
        foreach (var sum in sums)
        {
            if (functionName is not null && sum.Instance.FunctionName != functionName)
            {
                continue;
            }

            var key = (sum.Instance.FunctionName, sum.Instance.InstanceId);
            if (!instances.TryGetValue(key, out var tally))
            {
                instances[key] = tally = new InstanceTally(sum.Instance, sum.First);
            }

            tally.Add(sum, prices);
        }

        var total = new BillTally();
        var functions = new List<FunctionBill>();
        foreach (var group in instances.Values.GroupBy(i => i.Instance.FunctionName).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var sum = new BillTally();
            var rows = new List<InstanceBill>();
            foreach (var instance in group.OrderBy(i => i.From).ThenBy(i => i.Instance.InstanceId, StringComparer.Ordinal))
            {
                sum.Add(instance.Sums);
                rows.Add(instance.ToRow(prices));
            }

            total.Add(sum);
            functions.Add(sum.Fill(new FunctionBill { FunctionName = group.Key, Instances = rows }, prices));
        }

        return new BillReport
        {
            From = from,
            To = to,
            FunctionName = functionName,
            Prices = prices,
            Functions = functions,
            Total = total.Fill(new BillTotal(), prices),
        };
    }

    /// <summary>The part of <paramref name="interval"/> inside [from, to), or null when nothing of it is.</summary>
    public static MeterInterval? Clip(MeterInterval interval, DateTimeOffset from, DateTimeOffset to) =>
        MeterSum.Of(interval, from, to) is { } part ? interval with { Start = part.First, End = part.Last } : null;

    private sealed class InstanceTally(MeteredInstance instance, DateTimeOffset from)
    {
        public MeteredInstance Instance { get; private set; } = instance;
        public DateTimeOffset From { get; private set; } = from;
        public DateTimeOffset To { get; private set; } = from;
        public BillTally Sums { get; } = new();

        public void Add(MeterSum sum, Prices prices)
        {
            Sums.Add(sum.Instance, sum.State, sum.Duration, prices);
            From = sum.First < From ? sum.First : From;
            if (sum.Last >= To)
            {
                To = sum.Last;
                Instance = sum.Instance; // an instance restarted under its id shows what it holds last
            }
        }

        public InstanceBill ToRow(Prices prices) => Sums.Fill(
            new InstanceBill
            {
                InstanceId = Instance.InstanceId,
                FunctionName = Instance.FunctionName,
                Kind = MeterNames.Of(Instance.Kind),
                Vcpu = Instance.VCpu,
                MemoryGb = Instance.MemoryGb,
                GpuMemoryGb = Instance.GpuMemoryGb,
                From = From,
                To = To,
            },
            prices);
    }
}
