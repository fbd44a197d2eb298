using Stasis.Server.Metrics;

namespace Stasis.Tests.Metrics;

/// <summary>Merging closed intervals into at most N points: bucket bounds and every figure's rule.</summary>
public sealed class MetricsDownsamplerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero); // a whole day
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void Downsample_NoMorePointsThanAsked_GivesThemBack()
    {
        var points = Enumerable.Range(0, 10).Select(i => Point(i)).ToList();

        Assert.Equal(points, MetricsDownsampler.Downsample(points, 10, Minute));
        Assert.Empty(MetricsDownsampler.Downsample([], 5, Minute));
    }

    [Fact]
    public void Downsample_ADayOfMinutes_Into24_GivesHourBucketsOnTheHour()
    {
        var points = Enumerable.Range(0, 1440).Select(i => Point(i) with { Invocations = 1 }).ToList();

        var merged = MetricsDownsampler.Downsample(points, 24, Minute);

        Assert.Equal(24, merged.Count);
        Assert.All(merged, (p, i) =>
        {
            Assert.Equal((T0.AddHours(i), T0.AddHours(i + 1)), (p.Start, p.End));
            Assert.Equal(60, p.Invocations);
        });
    }

    [Theory]
    [InlineData(1440, 7)]
    [InlineData(1440, 100)]
    [InlineData(1440, 1439)]
    [InlineData(97, 2)]
    [InlineData(1000, 1)]
    [InlineData(5000, 333)]
    public void Downsample_AnyWindow_GivesAtMostNPointsOfEqualLength_KeepingEveryInvocation(int count, int max)
    {
        // A window that starts off the hour, with a gap (the server was down) and a first interval that is not aligned.
        var points = Enumerable.Range(0, count)
            .Select(i => Point(i + 17 + (i >= count / 2 ? 30 : 0)) with { Invocations = i })
            .ToList();
        points[0] = points[0] with { Start = points[0].Start.AddSeconds(25) };

        var merged = MetricsDownsampler.Downsample(points, max, Minute);

        Assert.InRange(merged.Count, 1, max);
        Assert.Equal(points.Sum(p => p.Invocations), merged.Sum(p => p.Invocations));
        Assert.Equal(points[0].Start, merged[0].Start);
        Assert.Equal(points[^1].End, merged[^1].End);
        Assert.All(merged.Zip(merged.Skip(1)), pair => Assert.True(pair.First.End <= pair.Second.Start));
        Assert.True(merged.Count >= Math.Min(max, 2), "the buckets are as short as N allows, not one for everything");
    }

    [Fact]
    public void Merge_SumsCountsWeighsPercentilesByInvocationsAndTakesTheLastState()
    {
        var points = new List<FunctionMetricsPoint>
        {
            Point(0) with
            {
                Invocations = 30, Errors = 1, Samples = 60, LatencyP50Ms = 10, LatencyP90Ms = 20, LatencyP99Ms = 40,
                QueueWaitP50Ms = 0, QueueWaitP90Ms = 4, QueueWaitP99Ms = 8, InFlightAverage = 1, InFlightMax = 3,
                ProvisionedConcurrencyUtilization = 0.5, CpuUtilization = 0.2, MemoryBytes = 100, GpuMemoryUtilization = 0.4,
                ProvisionedTarget = 1, ProvisionedCurrent = 1, Instances = new InstancesByState(0, 1, 0, 0, 0),
            },
            Point(1) with { Samples = 60, InFlightAverage = 0, InFlightMax = 0, ProvisionedConcurrencyUtilization = 0, ProvisionedTarget = 2 },
            Point(2) with
            {
                Invocations = 10, Errors = 2, Samples = 30, LatencyP50Ms = 50, LatencyP90Ms = 60, LatencyP99Ms = 80,
                QueueWaitP50Ms = 4, QueueWaitP90Ms = 8, QueueWaitP99Ms = 16, InFlightAverage = 4, InFlightMax = 7,
                CpuUtilization = 0.6, MemoryBytes = 302, ProvisionedTarget = 3, ProvisionedCurrent = 2,
                Instances = new InstancesByState(1, 0, 2, 0, 0),
            },
        };

        var p = Assert.Single(MetricsDownsampler.Downsample(points, 1, Minute));

        Assert.Equal((T0, T0.AddMinutes(3)), (p.Start, p.End));
        Assert.Equal((40L, 3L, 150), (p.Invocations, p.Errors, p.Samples));
        // (10×30 + 50×10) / 40 = 20; the quiet minute has no latency and weighs nothing.
        Assert.Equal((20.0, 30.0, 50.0), (p.LatencyP50Ms!.Value, p.LatencyP90Ms!.Value, p.LatencyP99Ms!.Value));
        Assert.Equal((1.0, 5.0, 10.0), (p.QueueWaitP50Ms!.Value, p.QueueWaitP90Ms!.Value, p.QueueWaitP99Ms!.Value));
        // In-flight weighed by samples: (1×60 + 0×60 + 4×30) / 150 = 1.2; utilization over the two minutes that had it.
        Assert.Equal(1.2, p.InFlightAverage!.Value, 9);
        Assert.Equal(7, p.InFlightMax);
        Assert.Equal(0.25, p.ProvisionedConcurrencyUtilization!.Value, 9);
        // CPU, memory and GPU: the mean of the minutes that have them.
        Assert.Equal(0.4, p.CpuUtilization!.Value, 9);
        Assert.Equal(201, p.MemoryBytes);
        Assert.Equal(0.4, p.GpuMemoryUtilization!.Value, 9);
        Assert.Equal((3, 2, new InstancesByState(1, 0, 2, 0, 0)), (p.ProvisionedTarget, p.ProvisionedCurrent, p.Instances));
    }

    [Fact]
    public void Merge_NothingMeasured_StaysNull()
    {
        var p = Assert.Single(MetricsDownsampler.Downsample([Point(0), Point(1)], 1, Minute));

        Assert.Equal(0, p.Invocations);
        Assert.Null(p.LatencyP50Ms);
        Assert.Null(p.QueueWaitP99Ms);
        Assert.Null(p.InFlightAverage);
        Assert.Null(p.ProvisionedConcurrencyUtilization);
        Assert.Null(p.CpuUtilization);
        Assert.Null(p.MemoryBytes);
        Assert.Null(p.GpuMemoryUtilization);
    }

    [Fact]
    public void Downsample_RefusesNoPointsOrNoInterval()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MetricsDownsampler.Downsample([Point(0)], 0, Minute));
        Assert.Throws<ArgumentOutOfRangeException>(() => MetricsDownsampler.Downsample([Point(0)], 1, TimeSpan.Zero));
    }

    private static FunctionMetricsPoint Point(int minute) => new()
    {
        FunctionName = "fn",
        Start = T0.AddMinutes(minute),
        End = T0.AddMinutes(minute + 1),
    };
}
