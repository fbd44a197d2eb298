using Stasis.Server.Metrics;

namespace Stasis.Tests.Metrics;

public sealed class DistributionTests
{
    [Fact]
    public void Percentile_NoValue_IsNull()
    {
        Assert.Null(new Distribution().Percentile(0.5));
    }

    [Fact]
    public void Percentile_FewValues_IsTheNearestRankExactly()
    {
        var d = new Distribution();
        foreach (var v in new double[] { 40, 10, 30, 20, 50, 60, 70, 80, 90, 100 })
        {
            d.Add(v);
        }

        // nearest rank: p50 of 10 values is the 5th (50), p90 the 9th (90), p99 the 10th (100)
        Assert.Equal((50.0, 90.0, 100.0), (d.Percentile(0.5)!.Value, d.Percentile(0.9)!.Value, d.Percentile(0.99)!.Value));
        Assert.Equal((10.0, 100.0, 10L), (d.Min, d.Max, d.Count));
    }

    [Fact]
    public void Percentile_OneValue_IsThatValueAtEveryRank()
    {
        var d = new Distribution();
        d.Add(3.25);

        Assert.Equal(3.25, d.Percentile(0.01));
        Assert.Equal(3.25, d.Percentile(0.99));
    }

    [Fact]
    public void Percentile_ManyValues_IsWithinOnePercent()
    {
        var d = new Distribution();
        var values = Enumerable.Range(1, 100_000).Select(i => i / 10.0).ToArray(); // 0.1 ms … 10 s
        foreach (var v in values.Reverse())
        {
            d.Add(v);
        }

        foreach (var p in new[] { 0.5, 0.9, 0.99, 0.999 })
        {
            var exact = values[(int)Math.Ceiling(p * values.Length) - 1];
            Assert.InRange(d.Percentile(p)!.Value, exact * 0.99, exact * 1.01);
        }

        Assert.Equal(10_000, d.Percentile(1)!.Value); // clamped to the largest value seen
    }

    [Fact]
    public void Add_NegativeOrNaN_CountsAsZero()
    {
        var d = new Distribution();
        d.Add(-5);
        d.Add(double.NaN);

        Assert.Equal(0, d.Percentile(0.99));
        Assert.Equal(2, d.Count);
    }
}
