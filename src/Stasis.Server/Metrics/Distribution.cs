namespace Stasis.Server.Metrics;

/// <summary>
/// The values of one interval (latencies, queue waits in milliseconds) for percentiles. The first
/// <see cref="ExactCapacity"/> values are kept as they are, so a quiet interval's percentiles are exact (nearest
/// rank); past that every value goes to logarithmic buckets 2 % wide, and a percentile is its bucket's middle,
/// within 1 % of the true value, clamped to the smallest and largest value seen (the maximum is exact). Memory stays bounded however
/// busy the function is. Not thread-safe: the recorder calls it under its lock.
/// </summary>
internal sealed class Distribution
{
    public const int ExactCapacity = 4096;

    /// <summary>Values at or below this (1 µs) share the first bucket.</summary>
    private const double Floor = 0.001;
    private const double Growth = 1.02;
    private static readonly double LogGrowth = Math.Log(Growth);
    private const int BucketCount = 1400; // Floor × 1.02^1400 ≈ 1e9 ms, eleven days

    private readonly List<double> _exact = new();
    private long[]? _buckets;

    public long Count { get; private set; }

    public double Min { get; private set; } = double.PositiveInfinity;

    public double Max { get; private set; } = double.NegativeInfinity;

    public void Add(double value)
    {
        if (double.IsNaN(value) || value < 0)
        {
            value = 0;
        }

        Count++;
        Min = Math.Min(Min, value);
        Max = Math.Max(Max, value);
        if (_buckets is null)
        {
            if (_exact.Count < ExactCapacity)
            {
                _exact.Add(value);
                return;
            }

            _buckets = new long[BucketCount];
            foreach (var kept in _exact)
            {
                _buckets[Bucket(kept)]++;
            }

            _exact.Clear();
        }

        _buckets[Bucket(value)]++;
    }

    /// <summary>The nearest-rank <paramref name="p"/>-quantile (0 &lt; p ≤ 1); null when there is no value.</summary>
    public double? Percentile(double p)
    {
        if (Count == 0)
        {
            return null;
        }

        var rank = Math.Clamp((long)Math.Ceiling(p * Count), 1, Count);
        if (_buckets is null)
        {
            var sorted = _exact.ToArray();
            Array.Sort(sorted);
            return sorted[rank - 1];
        }

        if (rank == Count)
        {
            return Max;
        }

        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= rank)
            {
                return Math.Clamp(Middle(i), Min, Max);
            }
        }

        return Max;
    }

    private static int Bucket(double value) =>
        value <= Floor ? 0 : Math.Min(BucketCount - 1, 1 + (int)(Math.Log(value / Floor) / LogGrowth));

    /// <summary>Bucket i &gt; 0 holds [Floor·g^(i−1), Floor·g^i); its geometric middle is within 1 % of either end.</summary>
    private static double Middle(int bucket) => bucket == 0 ? Floor : Floor * Math.Pow(Growth, bucket - 0.5);
}
