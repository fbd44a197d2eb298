using Stasis.Server.Metrics;
using Stasis.Server.Runtime.Cgroups;

namespace Stasis.Tests.Metrics;

/// <summary>What the metrics read from outside: a query's since, nvidia-smi's CSV, cgroup files.</summary>
public sealed class MetricsParsingTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("15m", 15 * 60)]
    [InlineData("1h", 3600)]
    [InlineData("24h", 86400)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("30s", 30)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    public void Since_Duration_IsThatLongBeforeNow(string text, int seconds)
    {
        Assert.True(MetricsSince.TryParse(text, Now, out var since));
        Assert.Equal(Now.AddSeconds(-seconds), since);
    }

    [Fact]
    public void Since_IsoTime_IsThatTime_UtcWithoutAnOffset()
    {
        Assert.True(MetricsSince.TryParse("2026-02-28T08:00:00Z", Now, out var a));
        Assert.True(MetricsSince.TryParse("2026-02-28T08:00:00", Now, out var b));
        Assert.True(MetricsSince.TryParse("2026-02-28T10:00:00+02:00", Now, out var c));

        Assert.Equal(new DateTimeOffset(2026, 2, 28, 8, 0, 0, TimeSpan.Zero), a);
        Assert.Equal(a, b);
        Assert.Equal(a, c);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("1w")]
    [InlineData("h")]
    [InlineData("10")]
    [InlineData("")]
    [InlineData("-1h")]
    public void Since_Garbage_IsRefused(string text)
    {
        Assert.False(MetricsSince.TryParse(text, Now, out _));
    }

    [Fact]
    public void NvidiaSmi_Devices_SkipsLinesItCannotRead()
    {
        var devices = NvidiaSmiProbe.ParseDevices("0, 1234, 81559\n1, [N/A], 81559\n\n2, 10, 40960\n");

        Assert.Equal([new GpuMemory(0, 1234, 81559), new GpuMemory(2, 10, 40960)], devices);
    }

    [Fact]
    public void NvidiaSmi_Processes_AddUpAProcessOnSeveralGpus()
    {
        var used = NvidiaSmiProbe.ParseProcesses("4242, 1024\n4243, 512\n4242, 2048\nNo running processes found\n");

        Assert.Equal(new Dictionary<int, long> { [4242] = 3072, [4243] = 512 }, used);
    }

    [Fact]
    public void CgroupV2CpuStat_UsageUsec_IsTheCpuTime()
    {
        Assert.Equal(TimeSpan.FromSeconds(1.5), CgroupUsage.ParseCpuStat("usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n"));
        Assert.Null(CgroupUsage.ParseCpuStat("nr_periods 0\nnr_throttled 0\n"));
        Assert.Null(CgroupUsage.ParseCpuStat(null));
    }
}
