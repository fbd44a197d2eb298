namespace Stasis.Server.Metrics;

/// <summary>
/// Merges a function's closed intervals into at most N points, for charts of long windows (<c>points=N</c> of the
/// metrics API). Buckets are of equal length, a whole number of metrics intervals, aligned to multiples of that length
/// since the Unix epoch (so a chart that refreshes keeps its buckets); each interval goes to the bucket its start falls
/// in, and empty buckets give no point. A merged point:
/// <list type="bullet">
/// <item>starts where its first interval starts and ends where its last ends;</item>
/// <item>sums invocations, errors and samples;</item>
/// <item>has latency and queue-wait percentiles averaged weighted by invocations (null with none, as an interval's are);</item>
/// <item>has the in-flight average and the provisioned concurrency utilization averaged weighted by samples, and CPU,
/// memory and GPU memory averaged over the intervals that have them (null when none has);</item>
/// <item>has the largest in-flight maximum;</item>
/// <item>has the provisioned target and current and the instances by state of its last interval.</item>
/// </list>
/// </summary>
internal static class MetricsDownsampler
{
    public const int MaxPoints = 5000;

    /// <summary>
    /// <paramref name="points"/> (oldest first) merged into at most <paramref name="maxPoints"/>, for intervals of
    /// <paramref name="interval"/>; the points themselves when there are no more than that.
    /// </summary>
    public static List<FunctionMetricsPoint> Downsample(IReadOnlyList<FunctionMetricsPoint> points, int maxPoints, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        if (points.Count <= maxPoints)
        {
            return points.ToList();
        }

        if (maxPoints == 1)
        {
            return [Merge(points, 0, points.Count)];
        }

        var width = BucketWidth(points, maxPoints, interval);
        var result = new List<FunctionMetricsPoint>(maxPoints);
        var start = 0;
        for (var i = 1; i <= points.Count; i++)
        {
            if (i == points.Count || Bucket(points[i].Start, width) != Bucket(points[start].Start, width))
            {
                result.Add(Merge(points, start, i));
                start = i;
            }
        }

        return result;
    }

    /// <summary>
    /// The shortest whole number of intervals that gives at most <paramref name="maxPoints"/> buckets: first the one that
    /// would if the buckets were aligned to the first point; when the epoch alignment costs a bucket more, one for
    /// <paramref name="maxPoints"/> − 1 buckets, which always fits.
    /// </summary>
    private static TimeSpan BucketWidth(IReadOnlyList<FunctionMetricsPoint> points, int maxPoints, TimeSpan interval)
    {
        var span = points[^1].Start - points[0].Start;
        var intervals = span.Ticks / interval.Ticks + 1; // the intervals the starts spread over
        var perBucket = Math.Max(CeilingDivide(points.Count, maxPoints), CeilingDivide(intervals, maxPoints));
        var width = interval * perBucket;
        if (Bucket(points[^1].Start, width) - Bucket(points[0].Start, width) + 1 <= maxPoints)
        {
            return width;
        }

        return interval * CeilingDivide(intervals, maxPoints - 1);
    }

    private static long CeilingDivide(long a, long b) => (a + b - 1) / b;

    private static long Bucket(DateTimeOffset start, TimeSpan width) => (start.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / width.Ticks;

    /// <summary>Merges <paramref name="points"/>[<paramref name="from"/>, <paramref name="to"/>) into one point.</summary>
    internal static FunctionMetricsPoint Merge(IReadOnlyList<FunctionMetricsPoint> points, int from, int to)
    {
        var first = points[from];
        var last = points[to - 1];
        long invocations = 0, errors = 0;
        int samples = 0, inFlightMax = 0;
        for (var i = from; i < to; i++)
        {
            invocations += points[i].Invocations;
            errors += points[i].Errors;
            samples += points[i].Samples;
            inFlightMax = Math.Max(inFlightMax, points[i].InFlightMax);
        }

        var memory = Average(points, from, to, p => p.MemoryBytes, _ => 1);
        return new FunctionMetricsPoint
        {
            FunctionName = first.FunctionName,
            Start = first.Start,
            End = last.End,
            Invocations = invocations,
            Errors = errors,
            LatencyP50Ms = Average(points, from, to, p => p.LatencyP50Ms, p => p.Invocations),
            LatencyP90Ms = Average(points, from, to, p => p.LatencyP90Ms, p => p.Invocations),
            LatencyP99Ms = Average(points, from, to, p => p.LatencyP99Ms, p => p.Invocations),
            QueueWaitP50Ms = Average(points, from, to, p => p.QueueWaitP50Ms, p => p.Invocations),
            QueueWaitP90Ms = Average(points, from, to, p => p.QueueWaitP90Ms, p => p.Invocations),
            QueueWaitP99Ms = Average(points, from, to, p => p.QueueWaitP99Ms, p => p.Invocations),
            InFlightAverage = Average(points, from, to, p => p.InFlightAverage, p => p.Samples),
            InFlightMax = inFlightMax,
            ProvisionedConcurrencyUtilization = Average(points, from, to, p => p.ProvisionedConcurrencyUtilization, p => p.Samples),
            CpuUtilization = Average(points, from, to, p => p.CpuUtilization, _ => 1),
            MemoryBytes = memory is { } m ? (long)Math.Round(m) : null,
            GpuMemoryUtilization = Average(points, from, to, p => p.GpuMemoryUtilization, _ => 1),
            ProvisionedTarget = last.ProvisionedTarget,
            ProvisionedCurrent = last.ProvisionedCurrent,
            Instances = last.Instances,
            Samples = samples,
        };
    }

    /// <summary>
    /// The mean of the points' non-null values weighted by <paramref name="weight"/>; a plain mean of them when their
    /// weights add up to nothing; null when none has a value.
    /// </summary>
    private static double? Average(IReadOnlyList<FunctionMetricsPoint> points, int from, int to, Func<FunctionMetricsPoint, double?> value, Func<FunctionMetricsPoint, long> weight)
    {
        double weighted = 0, plain = 0;
        long weights = 0, count = 0;
        for (var i = from; i < to; i++)
        {
            if (value(points[i]) is not { } v)
            {
                continue;
            }

            var w = Math.Max(0, weight(points[i]));
            weighted += v * w;
            weights += w;
            plain += v;
            count++;
        }

        return count == 0 ? null : weights > 0 ? weighted / weights : plain / count;
    }
}
