using Stasis.Cli.Simulating;

namespace Stasis.Tests.Cli.Simulating;

public sealed class PoissonTrafficTests
{
    [Fact]
    public void Requests_ComeInTimeOrder_WithinTheDuration_FromEveryFunction()
    {
        var traffic = new PoissonTraffic(functions: 50, ratePerSecond: 2, duration: TimeSpan.FromMinutes(10), serviceMs: 80, seed: 7);

        var requests = traffic.ToList();

        for (var i = 1; i < requests.Count; i++)
        {
            Assert.True(requests[i].At >= requests[i - 1].At, $"request {i} arrives before request {i - 1}");
        }

        Assert.All(requests, r => Assert.InRange(r.At, TimeSpan.Zero, traffic.Duration));
        Assert.All(requests, r => Assert.Equal(80, r.ServiceMs));
        Assert.Equal(Enumerable.Range(0, 50), requests.Select(r => r.Function).Distinct().Order());
    }

    [Fact]
    public void Count_IsAboutFunctionsTimesRateTimesSeconds()
    {
        var traffic = new PoissonTraffic(functions: 20, ratePerSecond: 5, duration: TimeSpan.FromMinutes(10), serviceMs: 1, seed: 1);

        var count = traffic.Count();

        // Mean 60,000, standard deviation about 245: 2 % either way is more than 4 deviations.
        Assert.Equal(60_000, traffic.ExpectedCount);
        Assert.InRange(count, 58_800, 61_200);
    }

    [Fact]
    public void EachFunction_GetsItsShare()
    {
        var traffic = new PoissonTraffic(functions: 4, ratePerSecond: 10, duration: TimeSpan.FromMinutes(10), serviceMs: 1, seed: 3);

        var perFunction = traffic.GroupBy(r => r.Function).Select(g => g.Count()).ToList();

        Assert.All(perFunction, n => Assert.InRange(n, 5_600, 6_400));
    }

    [Fact]
    public void SameSeed_SameRequests_EveryEnumeration_AnotherSeedOthers()
    {
        var traffic = new PoissonTraffic(3, 1, TimeSpan.FromMinutes(5), 10, seed: 42);

        Assert.Equal(traffic.ToList(), traffic.ToList());
        Assert.NotEqual(traffic.ToList(), new PoissonTraffic(3, 1, TimeSpan.FromMinutes(5), 10, seed: 43).ToList());
    }

    [Fact]
    public void Names_AreNumberedAsWideAsTheLargest()
    {
        Assert.Equal(["fn-0001", "fn-0002"], new PoissonTraffic(2, 1, TimeSpan.FromSeconds(1), 1, 1).Names());
        Assert.Equal("fn-12345", new PoissonTraffic(12_345, 1, TimeSpan.FromSeconds(1), 1, 1).Names()[^1]);
    }

    [Fact]
    public void Enumeration_IsLazy()
    {
        var traffic = new PoissonTraffic(1000, 1000, TimeSpan.FromDays(365), 1, 1);

        Assert.Equal(10, traffic.Take(10).Count());
    }
}
