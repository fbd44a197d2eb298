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

    public static bool TryWriteMemory(string group, bool v1, long bytes, out string? error)
    {
        var file = v1 ? "memory.limit_in_bytes" : "memory.max";
        return CgroupFiles.TryWrite(Path.Combine(group, file), bytes.ToString(CultureInfo.InvariantCulture), out error);
    }

    internal static long Quota(double cores, long period) => Math.Max(MinimumQuotaMicroseconds, (long)Math.Round(cores * period));
}
