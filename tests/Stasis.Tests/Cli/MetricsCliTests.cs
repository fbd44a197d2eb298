using Stasis.Cli.Output;
using Stasis.Client.Model;

namespace Stasis.Tests.Cli;

/// <summary><c>metrics</c>: its tables, and the mistakes caught before any request.</summary>
public sealed class MetricsCliTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Table_OneRowPerInterval_UnavailableReadsDash_GpuReadsNa()
    {
        var report = Report(
            new MetricsPoint
            {
                Start = T0, End = T0.AddMinutes(1), Invocations = 120, Errors = 3,
                LatencyP50Ms = 4.25, LatencyP90Ms = 38.04, LatencyP99Ms = 1530, QueueWaitP90Ms = 0,
                InFlightAverage = 1.256, InFlightMax = 6, ProvisionedConcurrencyUtilization = 0.4567, CpuUtilization = 0.125,
                MemoryBytes = 268_435_456, GpuMemoryUtilization = 0.81, ProvisionedTarget = 2, ProvisionedCurrent = 1,
            },
            new MetricsPoint { Start = T0.AddMinutes(1), End = T0.AddMinutes(2) });

        var table = MetricsViews.Table(report);

        Assert.Equal(["TIME", "INVOCATIONS", "ERRORS", "P50", "P90", "P99", "QUEUE P90", "IN-FLIGHT AVG/MAX", "PCU %", "CPU %", "MEMORY", "GPU MEM %", "PROVISIONED"], table.Headers);
        Assert.Equal(["12:00:00", "120", "3", "4.25ms", "38ms", "1.53s", "0ms", "1.26/6", "45.7", "12.5", "256MiB", "81.0", "2/1"], table.Rows[0]);
        Assert.Equal(["12:01:00", "0", "0", "-", "-", "-", "-", "-/0", "-", "-", "-", "n/a", "0/0"], table.Rows[1]);
    }

    [Fact]
    public void Instances_OneRowPerInstanceAndInterval()
    {
        var report = Report(new MetricsPoint
        {
            Start = T0,
            End = T0.AddMinutes(1),
            Instances =
            [
                new InstanceMetrics { InstanceId = "fn-1", Kind = "provisioned", State = "frozen", Slots = 4, InFlightAverage = 0.5, InFlightMax = 2, CpuUtilization = 0, MemoryBytes = 1536 },
                new InstanceMetrics { InstanceId = "fn-2", Kind = "onDemand", State = "busy", Slots = 4, GpuMemoryBytes = 2L << 30 },
            ],
        });

        var table = MetricsViews.Instances(report);

        Assert.Equal(["12:00:00", "fn-1", "provisioned", "frozen", "0.5/2", "4", "0.0", "1.5KiB", "n/a"], table.Rows[0]);
        Assert.Equal(["12:00:00", "fn-2", "on-demand", "busy", "0/0", "4", "-", "-", "2GiB"], table.Rows[1]);
    }

    [Fact]
    public void Heading_NamesTheIntervalAndTheRange()
    {
        var report = Report(new MetricsPoint { Start = T0, End = T0.AddMinutes(1) });

        Assert.Equal("metrics of fn every 60s from 2026-03-01T11:00:00Z to 2026-03-01T12:05:00Z (1 interval)", MetricsViews.Heading(report));
        Assert.Equal("no closed interval yet; one closes every 1s", MetricsViews.Empty(report with { IntervalSeconds = 1 }));
    }

    [Fact]
    public void Table_SpanningDays_ShowsTheDay()
    {
        var report = Report(new MetricsPoint { Start = T0 }, new MetricsPoint { Start = T0.AddDays(1) });

        Assert.Equal(["03-01 12:00:00", "03-02 12:00:00"], MetricsViews.Table(report).Column("TIME"));
    }

    [Theory]
    [InlineData(null, "-")]
    [InlineData(0.0, "0ms")]
    [InlineData(0.4245, "0.42ms")]
    [InlineData(250.0, "250ms")]
    [InlineData(59_999.0, "60s")]
    public void Latency_ReadsInMillisecondsThenSeconds(double? ms, string expected)
    {
        Assert.Equal(expected, MetricsViews.Latency(ms));
    }

    [Theory]
    [InlineData("metrics")]
    [InlineData("metrics", "a", "b")]
    [InlineData("server", "--metrics-interval", "500ms")]
    [InlineData("server", "--metrics-interval", "2h")]
    [InlineData("server", "--metrics-interval", "often")]
    [InlineData("server", "--metrics-retention", "forever")]
    public async Task BadArguments_ExitWith2(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await global::Stasis.Cli.Cli.RunAsync([.. args, "--endpoint", "http://127.0.0.1:9"], output, error);

        Assert.Equal(2, exit);
        Assert.Equal("", output.ToString());
        Assert.StartsWith("error: ", error.ToString(), StringComparison.Ordinal);
    }

    private static MetricsReport Report(params MetricsPoint[] points) => new()
    {
        FunctionName = "fn",
        IntervalSeconds = 60,
        Since = T0.AddHours(-1),
        Until = T0.AddMinutes(5),
        Points = [.. points],
    };
}
