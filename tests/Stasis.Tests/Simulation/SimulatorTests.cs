using Stasis.Client.Model;
using Stasis.Server.Simulation;

namespace Stasis.Tests.Simulation;

/// <summary>The production core in virtual time: small traces whose outcome can be worked out by hand.</summary>
public sealed class SimulatorTests
{
    private static FunctionSpec Spec(string name = "fn", int concurrency = 1, int maxInstances = 10, bool initializer = false) => new()
    {
        FunctionName = name,
        InstanceConcurrency = concurrency,
        MaxInstances = maxInstances,
        CustomContainerConfig = new CustomContainerConfig { Image = "registry.example/fn:1", Port = 9000 },
        InstanceLifecycleConfig = initializer ? new InstanceLifecycleConfig { Initializer = new LifecycleHook { Handler = "init", Timeout = 60 } } : null,
    };

    /// <summary>Requests every <paramref name="gapSeconds"/> s, each serving <paramref name="serviceMs"/>.</summary>
    private static Func<IEnumerable<SimulatedRequest>> Every(double gapSeconds, int count, double serviceMs, int function = 0) =>
        () => Enumerable.Range(0, count).Select(i => new SimulatedRequest(TimeSpan.FromSeconds(i * gapSeconds), function, serviceMs));

    private static SimulationSettings Settings(Func<IEnumerable<SimulatedRequest>> requests, SimulationMode mode, ProvisionConfigInput? provision = null,
        FunctionSpec? spec = null) => new()
    {
        Functions = [new SimulatedFunction(spec ?? Spec(), provision)],
        Requests = requests,
        Mode = mode,
        ColdStart = TimeDistribution.Fixed(800),
        Initialize = TimeDistribution.Fixed(200),
        Thaw = TimeDistribution.Fixed(2),
        TimelineStep = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public void OnDemand_FirstRequestWaitsForTheColdStart_TheNextOnesAreWarm()
    {
        var result = Simulator.Run(Settings(Every(2, 5, 100), SimulationMode.OnDemand, spec: Spec(initializer: true)));

        Assert.Equal(5, result.Requests);
        Assert.Equal(5, result.Served);
        Assert.Equal(1, result.ColdStarts);
        Assert.Equal(1, result.InstancesStarted);
        Assert.Equal(0, result.Thaws);
        Assert.Equal(1100, result.LatencyP99Ms, 1); // 800 ms start + 200 ms initialize + 100 ms service
        Assert.Equal(100, result.LatencyP50Ms, 1);
        Assert.Equal(1000, result.QueueWaitP99Ms, 1);
    }

    [Fact]
    public void IdleMode_EveryRequestThawsTheFrozenProvisionedInstance_AndIdleTimeIsBilledIdle()
    {
        var result = Simulator.Run(Settings(Every(10, 6, 100), SimulationMode.IdleMode, new ProvisionConfigInput { DefaultTarget = 1 }));

        Assert.Equal(6, result.Served);
        Assert.Equal(0, result.ColdStarts); // the provisioned instance was ready before the first request
        Assert.Equal(6, result.Thaws);
        Assert.Equal(102, result.LatencyP99Ms, 1); // 2 ms thaw + 100 ms service
        Assert.Equal(1, result.InstancesStarted);
        Assert.InRange(result.ActiveSeconds, 0.6, 0.7); // 6 × (2 + 100) ms
        Assert.True(result.IdleSeconds > 49, $"idle {result.IdleSeconds} s");
    }

    [Fact]
    public void AlwaysAllocated_NoThaw_AllTimeBilledActive_AndCostsMoreThanIdleMode()
    {
        var provision = new ProvisionConfigInput { DefaultTarget = 1 };
        var gpu = Spec() with { GpuConfig = new GpuConfig { GpuMemorySize = 8192, GpuType = "fc.gpu.tesla.1" } };
        var always = Simulator.Run(Settings(Every(10, 6, 100), SimulationMode.AlwaysAllocated, provision, gpu));
        var idle = Simulator.Run(Settings(Every(10, 6, 100), SimulationMode.IdleMode, provision, gpu));

        Assert.Equal(0, always.Thaws);
        Assert.Equal(100, always.LatencyP99Ms, 1);
        Assert.Equal(0, always.IdleSeconds, 3);
        Assert.True(always.ActiveSeconds > 50);
        Assert.True(always.Cost > idle.Cost, $"always {always.Cost}, idle {idle.Cost}");
    }

    [Fact]
    public void Burst_QueuesBehindOneSlot_WhenMaxInstancesIsOne()
    {
        var burst = Settings(() => Enumerable.Range(0, 4).Select(_ => new SimulatedRequest(TimeSpan.Zero, 0, 100)), SimulationMode.OnDemand, spec: Spec(maxInstances: 1));

        var result = Simulator.Run(burst);

        Assert.Equal(4, result.Served);
        Assert.Equal(800 + 400, result.LatencyP99Ms, 1); // the last waits for the start and three services
        Assert.Equal(1, result.InstancesStarted);
    }

    [Fact]
    public void RequestOverhead_IsHeldOnTheSlotBesideTheServiceTime()
    {
        var result = Simulator.Run(Settings(Every(2, 3, 100), SimulationMode.OnDemand) with { RequestOverhead = TimeDistribution.Fixed(2) });

        Assert.Equal(102, result.LatencyP50Ms, 1);
    }

    [Fact]
    public void MaxInstancesZero_RefusesEveryRequest()
    {
        var result = Simulator.Run(Settings(Every(1, 3, 10), SimulationMode.OnDemand, spec: Spec(maxInstances: 0)));

        Assert.Equal(3, result.Refused);
        Assert.Equal(0, result.Served);
    }

    [Fact]
    public void SameSeed_SameResult()
    {
        var random = new Random(3);
        var requests = Enumerable.Range(0, 2000).Select(i => new SimulatedRequest(TimeSpan.FromMilliseconds(i * 37), 0, random.Next(5, 200))).ToArray();
        var settings = Settings(() => requests, SimulationMode.IdleMode, new ProvisionConfigInput { DefaultTarget = 2 }) with
        {
            ColdStart = new TimeDistribution(500, 1000),
            Functions = [new SimulatedFunction(Spec(maxInstances: 5) with { SchedulingPolicy = "power-of-two-choices" }, new ProvisionConfigInput { DefaultTarget = 2 })],
        };

        var a = Simulator.Run(settings);
        var b = Simulator.Run(settings);

        Assert.Equal(a with { Elapsed = default, Timeline = [] }, b with { Elapsed = default, Timeline = [] });
        Assert.Equal(a.Timeline, b.Timeline);
    }

    [Fact]
    public void InvalidProvisionConfig_IsRefusedWithTheApiMessage()
    {
        var bad = new ProvisionConfigInput { DefaultTarget = 1, TargetTrackingPolicies = [new System.Text.Json.Nodes.JsonObject { ["metricType"] = "QPS", ["metricTarget"] = 0.5, ["minCapacity"] = 1, ["maxCapacity"] = 2 }] };

        var e = Assert.Throws<ArgumentException>(() => Simulator.Run(Settings(Every(1, 1, 10), SimulationMode.IdleMode, bad)));

        Assert.Contains("metricType", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeColdStart_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Simulator.Run(Settings(Every(1, 1, 10), SimulationMode.OnDemand) with { ColdStart = new TimeDistribution(-5, 10) }));

        Assert.Contains("cold start", e.Message, StringComparison.Ordinal);
    }
}
