using System.Globalization;

namespace Stasis.Server.Runtime.Cgroups;

/// <summary>
/// Reads an instance's CPU time and memory from its cgroups. CPU: <c>usage_usec</c> of the v2 group's
/// <c>cpu.stat</c>, which every v2 group has, controllers or not (so it works on a hybrid host too), else v1
/// <c>cpuacct.usage</c> (nanoseconds) where the cpu group shares its hierarchy with cpuacct. Memory:
/// <c>memory.current</c> (v2) or <c>memory.usage_in_bytes</c> (v1, page cache included) of the memory group.
/// </summary>
internal static class CgroupUsage
{
    public static InstanceUsage Read(InstanceCgroups groups) => new(ReadCpu(groups), ReadMemory(groups));

    public static TimeSpan? ReadCpu(InstanceCgroups groups)
    {
        if (groups.V2Path is { } v2 && ParseCpuStat(CgroupFiles.TryRead(Path.Combine(v2, "cpu.stat"))) is { } usage)
        {
            return usage;
        }

        if (groups.CpuPath is { } cpu && ParseLong(CgroupFiles.TryRead(Path.Combine(cpu, "cpuacct.usage"))) is { } ns)
        {
            return TimeSpan.FromTicks(ns / 100);
        }

        return null;
    }

    public static long? ReadMemory(InstanceCgroups groups)
    {
        foreach (var dir in new[] { groups.MemoryPath, groups.V2Path })
        {
            if (dir is null)
            {
                continue;
            }

            if ((ParseLong(CgroupFiles.TryRead(Path.Combine(dir, "memory.current")))
                 ?? ParseLong(CgroupFiles.TryRead(Path.Combine(dir, "memory.usage_in_bytes")))) is { } bytes)
            {
                return bytes;
            }
        }

        return null;
    }

    /// <summary>The <c>usage_usec</c> line of a v2 <c>cpu.stat</c>: <c>usage_usec 1500000</c> is 1.5 s.</summary>
    internal static TimeSpan? ParseCpuStat(string? text)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == "usage_usec"
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var usec))
            {
                return TimeSpan.FromTicks(usec * 10);
            }
        }

        return null;
    }

    private static long? ParseLong(string? text) =>
        long.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
