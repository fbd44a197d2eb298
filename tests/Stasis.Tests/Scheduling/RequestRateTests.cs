using Microsoft.Extensions.Time.Testing;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Scheduling;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Scheduling;

/// <summary>A function's maxRequestsPerSecond and burst: the token bucket on the dispatcher's clock, and its 429.</summary>
public sealed class RequestRateTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryTake_BurstPassesAtOnce_ThenOneEveryInterval()
    {
        var rate = new RequestRate(10, 3, _time);

        Assert.True(rate.TryTake(out _));
        Assert.True(rate.TryTake(out _));
        Assert.True(rate.TryTake(out _));
        Assert.False(rate.TryTake(out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(100), retryAfter);

        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(rate.TryTake(out retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(1), retryAfter);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(rate.TryTake(out _));
        Assert.False(rate.TryTake(out _));
    }

    [Fact]
    public void TryTake_AfterAQuietSpell_TheBucketHoldsNoMoreThanTheBurst()
    {
        var rate = new RequestRate(100, 5, _time);
        Assert.Equal(5, TakeAll(rate));

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(5, TakeAll(rate));
    }

    [Fact]
    public void TryTake_OverTime_LetsThroughTheRatePlusTheBurst()
    {
        var rate = new RequestRate(20, 4, _time);
        var passed = 0;
        for (var step = 0; step < 10_000; step++) // 10 s in steps of 1 ms, ten tries each
        {
            for (var i = 0; i < 10; i++)
            {
                passed += rate.TryTake(out _) ? 1 : 0;
            }

            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(4 + 20 * 10 - 1, passed); // the burst, then one per 50 ms over the 9.999 s that follow
    }

    [Fact]
    public void TryTake_FractionalRate_RetryAfterIsTheWholeInterval()
    {
        var rate = new RequestRate(0.5, 1, _time);

        Assert.True(rate.TryTake(out _));
        Assert.False(rate.TryTake(out var retryAfter));

        Assert.Equal(TimeSpan.FromSeconds(2), retryAfter);
    }

    [Fact]
    public async Task TryTake_ManyThreadsAtOnce_NeverPassMoreThanTheBurst()
    {
        var rate = new RequestRate(1, 1000, _time); // the clock stands still: exactly the burst may pass
        var passed = 0;
        using var start = new Barrier(8);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 10_000; i++)
            {
                if (rate.TryTake(out _))
                {
                    Interlocked.Increment(ref passed);
                }
            }
        }, TaskCreationOptions.LongRunning)));

        Assert.Equal(1000, passed);
    }

    [Fact]
    public void For_KeepsTheBucketWhileTheLimitStaysTheSame()
    {
        var spec = new FunctionSpec { FunctionName = "fn", MaxRequestsPerSecond = 5 };
        var first = RequestRate.For(spec, _time, null)!;

        Assert.Null(RequestRate.For(spec with { MaxRequestsPerSecond = null }, _time, first));
        Assert.Same(first, RequestRate.For(spec with { Description = "v2" }, _time, first));
        Assert.NotSame(first, RequestRate.For(spec with { Burst = 50 }, _time, first));
        Assert.Equal((5.0, 5), (first.PerSecond, first.Burst));
    }

    [Fact]
    public void TryAdmit_NoRateSet_AdmitsEverything()
    {
        var h = new DispatcherHarness();

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(h.Dispatcher.TryAdmit(out _));
        }
    }

    [Fact]
    public void TryAdmit_BeyondTheRate_Is429RateLimitedWithRetryAfterInWholeSeconds()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { MaxRequestsPerSecond = 0.25, Burst = 2 });

        Assert.True(h.Dispatcher.TryAdmit(out _));
        Assert.True(h.Dispatcher.TryAdmit(out _));
        Assert.False(h.Dispatcher.TryAdmit(out var refusal));

        Assert.Equal((429, "RateLimited"), (refusal.StatusCode, refusal.Code));
        Assert.Equal(TimeSpan.FromSeconds(4), refusal.RetryAfter);
        Assert.Equal("function 'fn' takes at most 0.25 requests per second (maxRequestsPerSecond, burst 2); retry after 4s.", refusal.Message);
        h.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(h.Dispatcher.TryAdmit(out _));
        Assert.Empty(h.Runtime.Launches); // refused or admitted, no instance is started by the check itself
    }

    [Fact]
    public void TryAdmit_RetryAfterBelowASecond_IsRoundedUpToOne()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { MaxRequestsPerSecond = 100, Burst = 1 });

        Assert.True(h.Dispatcher.TryAdmit(out _));
        Assert.False(h.Dispatcher.TryAdmit(out var refusal));

        Assert.Equal(TimeSpan.FromSeconds(1), refusal.RetryAfter);
    }

    [Fact]
    public void Update_ANewRate_AppliesToTheNextRequest_AndRemovingItLiftsTheLimit()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { MaxRequestsPerSecond = 1, Burst = 1 });
        Assert.True(h.Dispatcher.TryAdmit(out _));
        Assert.False(h.Dispatcher.TryAdmit(out _));

        h.Dispatcher.Update(new FunctionRecord(h.Spec with { MaxRequestsPerSecond = 1, Burst = 3 }, 2, h.Time.GetUtcNow(), h.Time.GetUtcNow()));
        Assert.Equal(3, Enumerable.Range(0, 5).Count(i => h.Dispatcher.TryAdmit(out _)));

        h.Dispatcher.Update(new FunctionRecord(h.Spec with { MaxRequestsPerSecond = null }, 3, h.Time.GetUtcNow(), h.Time.GetUtcNow()));
        Assert.Equal(5, Enumerable.Range(0, 5).Count(i => h.Dispatcher.TryAdmit(out _)));
    }

    private static int TakeAll(RequestRate rate)
    {
        var taken = 0;
        while (rate.TryTake(out _))
        {
            taken++;
        }

        return taken;
    }
}
