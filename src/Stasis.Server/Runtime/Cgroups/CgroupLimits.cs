using System.Globalization;

namespace Stasis.Server.Runtime.Cgroups;

/// <summary>Turns an instance's vCPU and memory limits into the cgroup v1 or v2 interface files.</summary>
internal static class CgroupLimits
{
    private const long DefaultPeriodMicroseconds = 100_000;

    // The kernel rejects CFS quotas below 1 ms.
    private const long MinimumQuotaMicroseconds = 1_000;

    public static bool TryWriteCpu(string group, bool v1, double cores, out string? error)
    {
        if (v1)
        {
            var periodText = CgroupFiles.TryRead(Path.Combine(group, "cpu.cfs_period_us"))?.Trim();
            var period = long.TryParse(periodText, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : DefaultPeriodMicroseconds;
            return CgroupFiles.TryWrite(Path.Combine(group, "cpu.cfs_quota_us"), Quota(cores, period).ToString(CultureInfo.InvariantCulture), out error);
        }

        var max = string.Create(CultureInfo.InvariantCulture, $"{Quota(cores, DefaultPeriodMicroseconds)} {DefaultPeriodMicroseconds}");
        return CgroupFiles.TryWrite(Path.Combine(group, "cpu.max"), max, out error);
    }

    /// <summary>
    /// Writes the memory limit, and keeps the instance from swapping past it where the host lets us say so (v2
    /// <c>memory.swap.max</c> 0, v1 <c>memory.memsw.limit_in_bytes</c> equal to the limit, both only with swap
    /// accounting): memorySize is a hard limit, so going over it ends in the OOM killer rather than in swap.
    /// </summary>
    public static bool TryWriteMemory(string group, bool v1, long bytes, out string? error)
    {
        var value = bytes.ToString(CultureInfo.InvariantCulture);
        if (!CgroupFiles.TryWrite(Path.Combine(group, v1 ? "memory.limit_in_bytes" : "memory.max"), value, out error))
        {
            return false;
        }

        var swap = Path.Combine(group, v1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max");
        if (File.Exists(swap))
        {
            CgroupFiles.TryWrite(swap, v1 ? value : "0", out _);
        }

        return true;
    }

    internal static long Quota(double cores, long period) => Math.Max(MinimumQuotaMicroseconds, (long)Math.Round(cores * period));
}
