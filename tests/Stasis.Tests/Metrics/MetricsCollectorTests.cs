using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Stasis.Server.Instances;
using Stasis.Server.Metering;
using Stasis.Server.Metrics;
using Stasis.Server.Runtime;
using Stasis.Server.Scheduling;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Metrics;

/// <summary>The collector on a fake clock: what goes in which interval, and every figure of a closed point.</summary>
public sealed class MetricsCollectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero); // a whole minute
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private readonly FakeTimeProvider _time = new(T0);
    private List<LoadSample> _loads = [];

    [Fact]
    public void Tick_AfterTheIntervalEnds_ClosesOnePointWithTheInvocationsThatEndedInIt()
    {
        var collector = Collector();
        _loads = [Load("fn", Instance("i1"))];
        collector.Tick();
        var recorder = collector.For("fn");

        At(10);
        recorder.Complete(200, false, 10 * Ms, TimeSpan.Zero, entered: false);
        At(20);
        recorder.Complete(503, false, 30 * Ms, null, entered: false);         // never got a slot: no queue wait
        At(30);
        recorder.Complete(200, functionError: true, 20 * Ms, 5 * Ms, entered: false);
        At(59.999);
        recorder.Complete(200, false, 40 * Ms, 15 * Ms, entered: false);
        At(60);
        recorder.Complete(200, false, 1000 * Ms, TimeSpan.Zero, entered: false); // the next interval's
        Assert.Null(collector.Latest("fn"));                                       // closed, but not finished until a tick

        At(60.5);
        var closed = Assert.Single(collector.Tick());
        var p = closed.Function;

        Assert.Equal(("fn", T0, T0 + Minute), (p.FunctionName, p.Start, p.End));
        Assert.Equal((4L, 2L), (p.Invocations, p.Errors));
        // latencies 10, 30, 20, 40 → nearest rank p50 = 2nd = 20, p90 = p99 = 4th = 40
        Assert.Equal((20.0, 40.0, 40.0), (p.LatencyP50Ms!.Value, p.LatencyP90Ms!.Value, p.LatencyP99Ms!.Value));
        // queue waits 0, 5, 15 → p50 = 5, p90 = 15
        Assert.Equal((5.0, 15.0), (p.QueueWaitP50Ms!.Value, p.QueueWaitP90Ms!.Value));
        Assert.Same(p, collector.Latest("fn"));

        At(120.5);
        var next = Assert.Single(collector.Tick()).Function;
        Assert.Equal((T0 + Minute, T0 + 2 * Minute, 1L, 0L), (next.Start, next.End, next.Invocations, next.Errors));
        Assert.Equal(1000, next.LatencyP99Ms);
    }

    [Fact]
    public void Tick_QuietInterval_HasZeroInvocationsAndNoLatency()
    {
        var collector = Collector();
        _loads = [Load("fn")];
        collector.Tick();

        At(61);
        var p = Assert.Single(collector.Tick()).Function;

        Assert.Equal(0, p.Invocations);
        Assert.Null(p.LatencyP50Ms);
        Assert.Null(p.QueueWaitP90Ms);
        Assert.Equal(0, p.InFlightAverage);
    }

    [Fact]
    public void InFlight_AverageOfTheSamples_MaximumAlsoOfTheRequestsThatStarted()
    {
        var collector = Collector();
        foreach (var (second, inFlight) in new[] { (0.0, 0), (20.0, 2), (40.0, 4) })
        {
            At(second);
            _loads = [Load("fn", Instance("i1", inFlight: inFlight, slots: 8))];
            collector.Tick();
        }

        var recorder = collector.For("fn");
        At(50);
        for (var i = 0; i < 5; i++)
        {
            recorder.Enter();
        }

        for (var i = 0; i < 5; i++)
        {
            recorder.Complete(200, false, Ms, TimeSpan.Zero, entered: true);
        }

        At(60.5);
        _loads = [Load("fn", Instance("i1", inFlight: 0, slots: 8))];
        var p = Assert.Single(collector.Tick()).Function;

        Assert.Equal((2.0, 5, 3), (p.InFlightAverage!.Value, p.InFlightMax, p.Samples));
        var instance = Assert.Single(Assert.Single(collector.Flush()).Instances);
        Assert.Equal((0.0, 0), (instance.InFlightAverage, instance.InFlightMax)); // the new interval: one sample, idle
    }

    [Fact]
    public void ProvisionedConcurrencyUtilization_IsTheMeanOverSamplesOfProvisionedInFlightOverTheirSlots()
    {
        var collector = Collector();
        _loads =
        [
            Load("fn",
                Instance("p1", InstanceKind.Provisioned, InstanceState.Busy, inFlight: 1, slots: 4),
                Instance("p2", InstanceKind.Provisioned, InstanceState.Frozen, inFlight: 0, slots: 4),
                Instance("p3", InstanceKind.Provisioned, InstanceState.Starting, inFlight: 0, slots: 4), // cannot serve yet: not counted
                Instance("o1", InstanceKind.OnDemand, InstanceState.Busy, inFlight: 3, slots: 4)),
            Load("on-demand-only", Instance("o2", inFlight: 2)),
        ];
        collector.Tick(); // 1/8
        At(30);
        _loads[0] = Load("fn",
            Instance("p1", InstanceKind.Provisioned, InstanceState.Busy, inFlight: 4, slots: 4),
            Instance("p2", InstanceKind.Provisioned, InstanceState.Busy, inFlight: 4, slots: 4));
        collector.Tick(); // 8/8

        At(60.5);
        var points = collector.Tick().ToDictionary(c => c.Function.FunctionName, c => c.Function);

        Assert.Equal((0.125 + 1.0) / 2, points["fn"].ProvisionedConcurrencyUtilization);
        Assert.Null(points["on-demand-only"].ProvisionedConcurrencyUtilization);
    }

    [Fact]
    public void Close_ProvisionedAndStatesAtTheClose()
    {
        var collector = Collector();
        _loads = [Load("fn", target: 3, current: 1, instances:
        [
            Instance("a", InstanceKind.Provisioned, InstanceState.Initializing),
            Instance("b", InstanceKind.Provisioned, InstanceState.Frozen),
            Instance("c", InstanceKind.OnDemand, InstanceState.Busy),
            Instance("d", InstanceKind.OnDemand, InstanceState.Draining),
        ])];
        collector.Tick();

        At(60.5);
        var p = Assert.Single(collector.Tick()).Function;

        Assert.Equal((3, 1), (p.ProvisionedTarget, p.ProvisionedCurrent));
        Assert.Equal(new InstancesByState(Starting: 1, Ready: 0, Busy: 1, Frozen: 1, Draining: 1), p.Instances);
    }

    [Fact]
    public void Cpu_IsCpuTimeOverWallTimeTimesTheLimit_AndAFrozenInstanceCountsWithItsZero()
    {
        var collector = Collector();
        var busy = new MeasuredInstance("busy") { CpuTime = TimeSpan.FromSeconds(100), MemoryBytes = 300 << 20 };
        var frozen = new MeasuredInstance("frozen") { CpuTime = TimeSpan.FromSeconds(7), MemoryBytes = 100 << 20 };
        _loads = [Load("fn", cpu: 2, instances: [Instance("busy", handle: busy), Instance("frozen", state: InstanceState.Frozen, handle: frozen)])];
        collector.Tick(); // first sight: baseline readings

        At(60.5);
        busy.CpuTime += TimeSpan.FromSeconds(30.25); // a quarter of 2 cores over 60.5 s
        var closed = Assert.Single(collector.Tick());

        var byId = closed.Instances.ToDictionary(i => i.InstanceId);
        Assert.Equal(0.25, byId["busy"].CpuUtilization!.Value, 9);
        Assert.Equal(0, byId["frozen"].CpuUtilization);
        Assert.Equal(0.125, closed.Function.CpuUtilization!.Value, 9);
        Assert.Equal(400L << 20, closed.Function.MemoryBytes);
        Assert.Equal(300L << 20, byId["busy"].MemoryBytes);
    }

    [Fact]
    public void Cpu_WithoutALimit_IsOfOneCore()
    {
        var collector = Collector();
        var instance = new MeasuredInstance("i1");
        _loads = [Load("fn", Instance("i1", handle: instance))];
        collector.Tick();

        At(60);
        instance.CpuTime = TimeSpan.FromSeconds(30);
        var p = Assert.Single(collector.Tick()).Function;

        Assert.Equal(0.5, p.CpuUtilization!.Value, 9);
    }

    [Fact]
    public void Unmeasurable_CpuMemoryAndGpu_AreNullNotZero()
    {
        var collector = Collector();
        _loads = [Load("fn", gpuMb: 8192, instances: [Instance("i1")])]; // a handle that cannot tell its usage, no nvidia-smi
        collector.Tick();

        At(60.5);
        var closed = Assert.Single(collector.Tick());

        Assert.Null(closed.Function.CpuUtilization);
        Assert.Null(closed.Function.MemoryBytes);
        Assert.Null(closed.Function.GpuMemoryUtilization);
        var instance = Assert.Single(closed.Instances);
        Assert.Null(instance.CpuUtilization);
        Assert.Null(instance.GpuMemoryBytes);
    }

    [Fact]
    public void Gpu_IsWhatTheFunctionsProcessesHoldOverWhatItsInstancesAskedFor_ReadOncePerInterval()
    {
        var gpu = new ScriptedGpu(new GpuMemoryReading([new GpuMemory(0, 5000, 81559)], new Dictionary<int, long> { [101] = 2048, [102] = 1024, [999] = 1000 }));
        var collector = Collector(gpu: gpu);
        _loads =
        [
            Load("llm", gpuMb: 4096, instances:
            [
                Instance("g1", handle: new MeasuredInstance("g1") { Pids = [101] }),
                Instance("g2", handle: new MeasuredInstance("g2") { Pids = [102, 103] }),
            ]),
            Load("cpu-only", Instance("c1", handle: new MeasuredInstance("c1") { Pids = [999] })),
        ];
        collector.Tick();
        At(30);
        collector.Tick();
        Assert.Equal(0, gpu.Reads); // only when an interval closes

        At(60.5);
        var closed = collector.Tick().ToDictionary(c => c.Function.FunctionName);

        Assert.Equal(1, gpu.Reads);
        Assert.Equal(3072.0 / (4096 * 2), closed["llm"].Function.GpuMemoryUtilization);
        Assert.Equal([2048L << 20, 1024L << 20], closed["llm"].Instances.Select(i => i.GpuMemoryBytes!.Value).Order().Reverse());
        Assert.Null(closed["cpu-only"].Function.GpuMemoryUtilization);
    }

    [Fact]
    public void IntervalClosed_EveryHandlerGetsThePoint_EvenWhenOneThrows()
    {
        var collector = Collector();
        var seen = new List<FunctionMetricsPoint>();
        collector.IntervalClosed += _ => throw new InvalidOperationException("a broken subscriber");
        collector.IntervalClosed += p =>
        {
            Assert.Same(p, collector.Latest(p.FunctionName)); // already the latest when handlers run
            seen.Add(p);
        };
        _loads = [Load("a"), Load("b")];
        collector.Tick();

        At(60.5);
        collector.Tick();
        At(61);
        collector.Tick();

        Assert.Equal(["a", "b"], seen.Select(p => p.FunctionName).Order());
    }

    [Fact]
    public void Intervals_AreAlignedToTheClock_TheFirstBeginsWhenTheFunctionIsFirstSeen()
    {
        var collector = Collector(TimeSpan.FromSeconds(1));
        At(0.25);
        _loads = [Load("fn")];
        collector.Tick();
        At(1.0);
        var first = Assert.Single(collector.Tick()).Function;
        At(2.0);
        var second = Assert.Single(collector.Tick()).Function;

        Assert.Equal((T0.AddSeconds(0.25), T0.AddSeconds(1)), (first.Start, first.End));
        Assert.Equal((T0.AddSeconds(1), T0.AddSeconds(2)), (second.Start, second.End));
    }

    [Fact]
    public void Tick_AfterAGap_ClosesTheOpenIntervalAndTheNextBeginsAtTheBoundaryBeforeNow()
    {
        var collector = Collector();
        _loads = [Load("fn")];
        collector.Tick();

        At(300.5);
        var closed = Assert.Single(collector.Tick()).Function;
        At(360.5);
        var next = Assert.Single(collector.Tick()).Function;

        Assert.Equal((T0, T0 + Minute), (closed.Start, closed.End));
        Assert.Equal((T0 + 5 * Minute, T0 + 6 * Minute), (next.Start, next.End));
    }

    [Fact]
    public void Tick_FunctionRemoved_ClosesItsLastIntervalThenForgetsIt()
    {
        var collector = Collector();
        _loads = [Load("gone"), Load("kept")];
        collector.Tick();
        At(60.5);
        collector.Tick();
        Assert.NotNull(collector.Latest("gone"));

        At(75);
        _loads = [Load("kept")];
        var last = Assert.Single(collector.Tick()).Function;

        Assert.Equal(("gone", T0 + Minute, T0.AddSeconds(75)), (last.FunctionName, last.Start, last.End));
        Assert.Null(collector.Latest("gone"));
        Assert.NotNull(collector.Latest("kept"));
    }

    [Fact]
    public void Flush_ClosesTheOpenIntervalsNow()
    {
        var collector = Collector();
        _loads = [Load("fn")];
        collector.Tick();
        At(10);
        collector.For("fn").Complete(200, false, Ms, TimeSpan.Zero, entered: false);

        At(12);
        var p = Assert.Single(collector.Flush()).Function;

        Assert.Equal((T0, T0.AddSeconds(12), 1L), (p.Start, p.End, p.Invocations));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3601)]
    public void Collector_IntervalOutOfRange_IsRefused(double seconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Collector(TimeSpan.FromSeconds(seconds)));
    }

    [Theory]
    [InlineData(1, 250)]
    [InlineData(2, 500)]
    [InlineData(60, 1000)]
    public void SamplePeriod_IsASecond_OrAQuarterOfAShortInterval(double intervalSeconds, double periodMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(periodMs), Collector(TimeSpan.FromSeconds(intervalSeconds)).SamplePeriod);
    }

    [Fact]
    public async Task Prometheus_HasTheCountersAndGauges_AndDropsTheSeriesOfAStoppedInstance()
    {
        var collector = Collector();
        var measured = new MeasuredInstance("i1") { MemoryBytes = 1000 };
        _loads = [Load("fn", target: 1, current: 1, instances: [Instance("i1", InstanceKind.Provisioned, InstanceState.Busy, inFlight: 1, handle: measured)])];
        collector.Tick();
        var recorder = collector.For("fn");
        recorder.Complete(200, false, 5 * Ms, TimeSpan.Zero, entered: false);
        recorder.Complete(200, false, 5 * Ms, TimeSpan.Zero, entered: false);
        recorder.Complete(502, false, 5 * Ms, TimeSpan.Zero, entered: false);
        At(60.5);
        collector.Tick();

        var text = await Exposition(collector);
        Assert.Contains("stasis_function_invocations_total{function=\"fn\",status_class=\"2xx\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("stasis_function_invocations_total{function=\"fn\",status_class=\"5xx\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("stasis_function_errors_total{function=\"fn\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("stasis_function_request_duration_seconds_count{function=\"fn\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("stasis_function_in_flight{function=\"fn\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("stasis_function_instances{function=\"fn\",state=\"busy\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("stasis_function_provisioned_target{function=\"fn\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("stasis_function_provisioned_concurrency_utilization{function=\"fn\"} 0.25", text, StringComparison.Ordinal);
        Assert.Contains("stasis_instance_memory_bytes{function=\"fn\",instance=\"i1\"} 1000", text, StringComparison.Ordinal);
        Assert.DoesNotContain("stasis_function_gpu_memory_utilization{", text, StringComparison.Ordinal); // unavailable: no series

        _loads = [Load("fn")];
        At(61);
        collector.Tick();
        Assert.DoesNotContain("instance=\"i1\"", await Exposition(collector), StringComparison.Ordinal);
    }

    private static async Task<string> Exposition(MetricsCollector collector)
    {
        using var stream = new MemoryStream();
        await collector.Prometheus.WriteAsync(stream, CancellationToken.None);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private MetricsCollector Collector(TimeSpan? interval = null, IGpuMemoryProbe? gpu = null) =>
        new(() => _loads, interval ?? Minute, _time, gpu ?? NoGpuMemoryProbe.Instance, new PrometheusMetrics(), NullLogger.Instance);

    private void At(double seconds) => _time.SetUtcNow(T0.AddSeconds(seconds));

    private static LoadSample Load(string name, params InstanceLoad[] instances) => new(name, instances, 0, 0, 0, null, null);

    private static LoadSample Load(string name, int target = 0, int current = 0, double? cpu = null, int? gpuMb = null, InstanceLoad[]? instances = null) =>
        new(name, instances ?? [], 0, target, current, cpu, gpuMb);

    private static InstanceLoad Instance(string id, InstanceKind kind = InstanceKind.OnDemand, InstanceState state = InstanceState.Ready,
        int inFlight = 0, int slots = 4, IRuntimeInstance? handle = null) =>
        new(id, kind, state, inFlight, slots, handle);

    private sealed class ScriptedGpu(GpuMemoryReading reading) : IGpuMemoryProbe
    {
        public int Reads { get; private set; }

        public bool Available => true;

        public GpuMemoryReading? Read()
        {
            Reads++;
            return reading;
        }
    }
}
