using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Stasis.Server.Metrics;
using Stasis.Server.Scheduling;

namespace Stasis.Tests.Metrics;

/// <summary>The recent invocations: the fixed ring, and what the recorder puts in it.</summary>
public sealed class InvocationRingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Newest_IsNewestFirst_AndNoMoreThanAsked()
    {
        var ring = new InvocationRing(capacity: 5);
        for (var i = 1; i <= 3; i++)
        {
            ring.Add(Invocation(i));
        }

        Assert.Equal(["r-3", "r-2", "r-1"], ring.Newest(10).Select(r => r.RequestId));
        Assert.Equal(["r-3", "r-2"], ring.Newest(2).Select(r => r.RequestId));
        Assert.Empty(ring.Newest(0));
        Assert.Empty(new InvocationRing(capacity: 5).Newest(5));
    }

    [Fact]
    public void Add_PastTheCapacity_OverwritesTheOldest()
    {
        var ring = new InvocationRing(capacity: 4);
        for (var i = 1; i <= 11; i++)
        {
            ring.Add(Invocation(i));
        }

        Assert.Equal(4, ring.Count);
        Assert.Equal(["r-11", "r-10", "r-9", "r-8"], ring.Newest(InvocationRing.Capacity).Select(r => r.RequestId));
    }

    [Fact]
    public void Add_AtEveryWrapPosition_KeepsTheOrder()
    {
        var ring = new InvocationRing(capacity: 3);
        for (var i = 1; i <= 9; i++)
        {
            ring.Add(Invocation(i));
            var expected = Enumerable.Range(Math.Max(1, i - 2), Math.Min(i, 3)).Reverse().Select(n => $"r-{n}");
            Assert.Equal(expected, ring.Newest(3).Select(r => r.RequestId));
        }
    }

    [Fact]
    public void Recorder_Complete_KeepsTheInvocationReceivedLatencyBeforeNow()
    {
        var time = new FakeTimeProvider(T0);
        var recorder = Collector(time).For("fn");

        time.Advance(TimeSpan.FromSeconds(10));
        recorder.Complete(200, false, 250 * Ms, 5 * Ms, entered: false, new InvocationCall("r-1", "POST", "invoke", "fn-abc", Arrival.Thawed));
        time.Advance(TimeSpan.FromSeconds(1));
        recorder.Complete(504, false, 30 * Ms, null, entered: false, new InvocationCall("r-2", "GET", null, null, null));
        recorder.Complete(200, false, Ms, null, entered: false); // no call: counted in the metrics, not kept

        var recent = recorder.RecentInvocations(10);

        Assert.Equal(2, recent.Length);
        Assert.Equal(new RecentInvocation("r-2", T0.AddSeconds(11) - 30 * Ms, "GET", null, 504, false, 30, null, null, null), recent[0]);
        Assert.Equal(new RecentInvocation("r-1", T0.AddSeconds(10) - 250 * Ms, "POST", "invoke", 200, false, 250, 5, "fn-abc", Arrival.Thawed), recent[1]);
    }

    [Fact]
    public void Collector_RecentInvocations_OfAFunctionWithoutRecorder_IsEmpty()
    {
        var collector = Collector(new FakeTimeProvider(T0));

        Assert.Empty(collector.RecentInvocations("never-called", 100));
    }

    [Fact]
    public void Recorder_KeepsTheLast500()
    {
        var recorder = Collector(new FakeTimeProvider(T0)).For("fn");
        for (var i = 1; i <= 600; i++)
        {
            recorder.Complete(200, false, Ms, TimeSpan.Zero, entered: false, new InvocationCall($"r-{i}", "GET", "", "fn-1", Arrival.Warm));
        }

        var recent = recorder.RecentInvocations(InvocationRing.Capacity);

        Assert.Equal(500, recent.Length);
        Assert.Equal(("r-600", "r-101"), (recent[0].RequestId, recent[^1].RequestId));
    }

    private static MetricsCollector Collector(FakeTimeProvider time) =>
        new(() => [], TimeSpan.FromSeconds(60), time, NoGpuMemoryProbe.Instance, new PrometheusMetrics(), NullLogger.Instance);

    private static RecentInvocation Invocation(int i) =>
        new($"r-{i}", T0.AddSeconds(i), "GET", "", 200, false, 1, 0, "fn-1", Arrival.Warm);
}
