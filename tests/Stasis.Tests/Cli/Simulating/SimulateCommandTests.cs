using System.Text.Json;
using Stasis.Cli;
using Stasis.Cli.Simulating;
using Stasis.Server.Simulation;

namespace Stasis.Tests.Cli.Simulating;

/// <summary><c>stasis simulate</c> end to end, on a stand-in engine: the inputs it hands the engine, what it prints, the chart it draws, and its errors.</summary>
public sealed class SimulateCommandTests : IDisposable
{
    private const string Llm = """
        TIMESTAMP,ContextTokens,GeneratedTokens
        2023-11-16 18:17:03.9799600,4808,10
        2023-11-16 18:17:04.0319600,3180,8
        2023-11-16 18:18:10.0000000,110,27
        2023-11-16 18:20:00.0000000,7433,14
        """;

    private const string SYaml = """
        edition: 3.0.0
        name: llm-demo
        access: default
        resources:
          llm:
            component: fc3
            props:
              region: local
              functionName: llm
              runtime: custom-container
              handler: not-used
              timeout: 600
              memorySize: 8192
              cpu: 2
              instanceConcurrency: 4
              gpuConfig:
                gpuMemorySize: 8192
                gpuType: fc.gpu.tesla.1
              customContainerConfig:
                image: registry.example.com/llm:latest
                port: 9000
        """;

    private const string SeedProvision = """
        {"targetTrackingPolicies": [{"name": "scaling-policy-demo",
          "startTime": "2024-07-01T16:00:00.000Z", "endTime": "2024-07-30T16:00:00.000Z",
          "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.3,
          "minCapacity": 2, "maxCapacity": 30}]}
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-simulate-").FullName;

    public SimulateCommandTests()
    {
        File.WriteAllText(Path.Combine(_dir, "code.csv"), Llm);
        File.WriteAllText(Path.Combine(_dir, "s.yaml"), SYaml);
        File.WriteAllText(Path.Combine(_dir, "provision.json"), SeedProvision);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(int Exit, string Out, string Err, FakeSimulationEngine Engine)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var engine = new FakeSimulationEngine();
        var env = new CliEnvironment { Out = output, Error = error, CurrentDirectory = () => _dir, GetVariable = _ => null, SimulationEngine = engine };
        var exit = await global::Stasis.Cli.Cli.RunAsync(args, env);
        return (exit, output.ToString(), error.ToString(), engine);
    }

    [Fact]
    public async Task Compare_RunsTheThreeModes_PrintsThemSideBySide_AndDrawsTheChart()
    {
        var (exit, output, error, engine) = await RunAsync("simulate", "--trace", "code.csv", "-t", "s.yaml", "--provision", "provision.json", "--target", "1", "--compare", "--preset", "llm");

        Assert.Equal(0, exit);
        Assert.Equal([SimulationMode.AlwaysAllocated, SimulationMode.IdleMode, SimulationMode.OnDemand], engine.Runs.Select(r => r.Mode));
        var settings = engine.Runs[0];
        var function = Assert.Single(settings.Functions);
        Assert.Equal("llm", function.Spec.FunctionName);
        Assert.Equal(4, function.Spec.InstanceConcurrency);
        Assert.Equal(1, function.Provision!.DefaultTarget);
        Assert.Single(function.Provision.TargetTrackingPolicies!);
        Assert.Equal(TimeDistribution.Fixed(3000), settings.ColdStart);
        Assert.Equal(TimeDistribution.Fixed(1), settings.Thaw);
        Assert.Equal(new DateTimeOffset(2023, 11, 16, 18, 17, 3, TimeSpan.Zero).AddTicks(9_799_600), settings.Start);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.MetricsInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.TimelineStep);
        Assert.All(engine.Requests, r => Assert.Equal(4, r.Length));
        Assert.Equal(100 + (0.2 * 4808) + (20 * 10), engine.Requests[0][0].ServiceMs);

        Assert.Contains("traffic       code.csv (Azure LLM trace): 4 requests, 1 function over 2m56s from 2023-11-16T18:17:03Z", output, StringComparison.Ordinal);
        Assert.Contains("service time  100 ms + 0.2 ms × context tokens + 20 ms × generated tokens (default; --service-model)", output, StringComparison.Ordinal);
        Assert.Contains("cold start    3s (--preset llm: the seed's activation time for an LLM)", output, StringComparison.Ordinal);
        Assert.Contains("thaw          1ms (a CPU freezer; a GPU's takes seconds: --thaw)", output, StringComparison.Ordinal);
        Assert.Contains("functions     llm of s.yaml: instanceConcurrency 4, maxInstances 10, 2 vCPU, 8192 MB, GPU 8192 MB, join-idle-queue", output, StringComparison.Ordinal);
        Assert.Contains("provision     defaultTarget 1, 1 target tracking policy (provision.json)", output, StringComparison.Ordinal);
        Assert.Matches(@"FIGURE\s+ALWAYS-ALLOCATED\s+IDLE MODE\s+ON-DEMAND", output);
        Assert.Matches(@"cost vs always-allocated\s+1\.00x\s+0\.25x\s+0\.13x", output);
        var chart = Path.Combine(_dir, "simulate-chart.svg");
        Assert.Contains($"chart: {chart}", output, StringComparison.Ordinal);
        var svg = await File.ReadAllTextAsync(chart);
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.Contains("idle mode", svg, StringComparison.Ordinal);

        // The seed's policy is for July 2024; the trace is from November 2023.
        Assert.Contains("warning: provision.json: scaling-policy-demo applies from 2024-07-01T16:00:00Z to 2024-07-30T16:00:00Z, outside the run", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_HasEveryRunWithItsTimeline_AndTheAssumptions()
    {
        var (exit, output, _, _) = await RunAsync("simulate", "--trace", "code.csv", "--target", "2", "--compare", "--no-chart", "-o", "json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("code.csv", root.GetProperty("traffic").GetProperty("source").GetString());
        Assert.Equal(4, root.GetProperty("traffic").GetProperty("requests").GetInt64());
        Assert.Equal("100 ms + 0.2 ms × context tokens + 20 ms × generated tokens", root.GetProperty("assumptions").GetProperty("serviceModel").GetString());
        Assert.Equal(500, root.GetProperty("assumptions").GetProperty("coldStart").GetProperty("minMs").GetDouble());
        Assert.Equal(2, root.GetProperty("assumptions").GetProperty("provision").GetProperty("defaultTarget").GetInt32());
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["always", "idle", "on-demand"], runs.Select(r => r.GetProperty("mode").GetString()));
        Assert.Equal(0.25m, runs[1].GetProperty("costVsAlwaysAllocated").GetDecimal());
        Assert.Equal(480.4, runs[1].GetProperty("latencyMs").GetProperty("p90").GetDouble());
        Assert.Equal(89, runs[1].GetProperty("timeline").GetArrayLength());
        Assert.False(root.TryGetProperty("chart", out _));
    }

    [Fact]
    public async Task Png_IsWrittenWhereAsked()
    {
        var (exit, output, _, _) = await RunAsync("simulate", "--trace", "code.csv", "--target", "1", "--chart", "out/load.png");

        Assert.Equal(1, exit);
        Assert.DoesNotContain("chart:", output, StringComparison.Ordinal);

        Directory.CreateDirectory(Path.Combine(_dir, "out"));
        (exit, _, _, _) = await RunAsync("simulate", "--trace", "code.csv", "--target", "1", "--chart", "out/load.png");

        Assert.Equal(0, exit);
        var png = await File.ReadAllBytesAsync(Path.Combine(_dir, "out", "load.png"));
        Assert.True(png.Length > 1000);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    [Fact]
    public async Task Chart_InAMissingFolder_FailsBeforeRunning()
    {
        var (exit, output, error, engine) = await RunAsync("simulate", "--trace", "code.csv", "--chart", "nowhere/c.svg");

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains($"error: cannot write the chart to {Path.Combine(_dir, "nowhere", "c.svg")}: the folder {Path.Combine(_dir, "nowhere")} does not exist", error, StringComparison.Ordinal);
        Assert.Empty(engine.Runs);
    }

    [Fact]
    public async Task Chart_OfAnotherKind_IsAUsageError()
    {
        var (exit, _, error, _) = await RunAsync("simulate", "--trace", "code.csv", "--chart", "c.pdf");

        Assert.Equal(2, exit);
        Assert.Contains("error: --chart 'c.pdf' must end in .svg or .png", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRow_StopsWithFileAndLine_OrIsSkippedAndCounted()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "bad.csv"), Llm + "\nnot-a-time,1,1\n");

        var (exit, _, error, engine) = await RunAsync("simulate", "--trace", "bad.csv", "--no-chart");

        Assert.Equal(1, exit);
        Assert.Contains("error: bad.csv:6: TIMESTAMP 'not-a-time' is not a date and time", error, StringComparison.Ordinal);
        Assert.Empty(engine.Runs);

        (exit, _, error, engine) = await RunAsync("simulate", "--trace", "bad.csv", "--no-chart", "--skip-bad-rows", "--target", "1");

        Assert.Equal(0, exit);
        Assert.Contains("warning: skipped 1 bad row of bad.csv; the first: bad.csv:6: TIMESTAMP 'not-a-time'", error, StringComparison.Ordinal);
        Assert.Equal(4, engine.Requests[0].Length);
    }

    [Fact]
    public async Task UnsortedTrace_IsSortedWithAWarning()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "unsorted.csv"), "timestamp,function,service_ms\n5,a,10\n1,a,20\n3,b,30\n");

        var (exit, _, error, engine) = await RunAsync("simulate", "--trace", "unsorted.csv", "--no-chart", "--mode", "on-demand");

        Assert.Equal(0, exit);
        Assert.Contains("warning: unsorted.csv: 2 rows are out of time order; the requests were sorted by arrival", error, StringComparison.Ordinal);
        Assert.Equal([20.0, 30, 10], engine.Requests[0].Select(r => r.ServiceMs));
        Assert.Equal(["a", "b"], engine.Runs[0].Functions.Select(f => f.Spec.FunctionName));
        Assert.DoesNotContain("no provisioned instances", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyTrace_IsAnError()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "empty.csv"), "");

        var (exit, _, error, _) = await RunAsync("simulate", "--trace", "empty.csv");

        Assert.Equal(1, exit);
        Assert.Contains("error: empty.csv is empty: a trace needs a header line and at least one request", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nothing to replay: give --trace FILE", "simulate")]
    [InlineData("--service-model 'fixed:-1': a service time cannot be negative", "simulate", "--trace", "code.csv", "--service-model", "fixed:-1")]
    [InlineData("--cold-start '-1s': a duration cannot be negative", "simulate", "--trace", "code.csv", "--cold-start", "-1s")]
    [InlineData("--thaw '5ms..1ms': the range starts after it ends", "simulate", "--trace", "code.csv", "--thaw", "5ms..1ms")]
    [InlineData("--mode 'never' is not a mode", "simulate", "--trace", "code.csv", "--mode", "never")]
    [InlineData("--rate sets up synthetic traffic; it goes with --synthetic poisson", "simulate", "--trace", "code.csv", "--rate", "3")]
    [InlineData("give either --trace FILE or --synthetic poisson, not both", "simulate", "--trace", "code.csv", "--synthetic", "poisson", "--rate", "1")]
    [InlineData("--synthetic poisson needs --rate R", "simulate", "--synthetic", "poisson")]
    [InlineData("--rate '-2' is not a positive number", "simulate", "--synthetic", "poisson", "--rate", "-2")]
    [InlineData("--metrics-interval '2h' must be from 1s to 1h", "simulate", "--trace", "code.csv", "--metrics-interval", "2h")]
    [InlineData("no such file: ", "simulate", "--trace", "missing.csv")]
    [InlineData("--trace-format 'excel' is not a trace format", "simulate", "--trace", "code.csv", "--trace-format", "excel")]
    public async Task Misuse_ExitsWith2AndSaysWhy(string message, params string[] args)
    {
        var (exit, output, error, engine) = await RunAsync([.. args, "--no-chart"]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains($"error: {message}", error, StringComparison.Ordinal);
        Assert.Empty(engine.Runs);
    }

    [Fact]
    public async Task Synthetic_GeneratesPoissonTrafficLazily_ForEveryFunction()
    {
        var (exit, output, _, engine) = await RunAsync("simulate", "--synthetic", "poisson", "--functions", "3", "--rate", "2", "--duration", "10m", "--target", "1", "--no-chart");

        Assert.Equal(0, exit);
        var settings = Assert.Single(engine.Runs);
        Assert.Equal(["fn-0001", "fn-0002", "fn-0003"], settings.Functions.Select(f => f.Spec.FunctionName));
        Assert.IsType<PoissonTraffic>(settings.Requests());
        Assert.InRange(engine.Requests[0].Length, 3_300, 3_900);
        Assert.All(engine.Requests[0], r => Assert.Equal(100, r.ServiceMs));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), settings.Start);
        Assert.Contains("traffic       poisson (Poisson traffic, 2 req/s per function): 3 functions over 10m", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_SetsThePrices_AndABadOneIsAnError()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "stasis.json"), """{ "prices": { "gpuIdleCuPerGbSecond": 0.4 }, "metrics": { "intervalSeconds": 10 } }""");
        await File.WriteAllTextAsync(Path.Combine(_dir, "bad.json"), """{ "prices": { "gpuIdlePrice": 0.4 } }""");

        var (exit, output, _, engine) = await RunAsync("simulate", "--trace", "code.csv", "--config", "stasis.json", "--no-chart");

        Assert.Equal(0, exit);
        Assert.Equal(0.4m, engine.Runs[0].Prices.GpuIdleCuPerGbSecond);
        Assert.Equal(TimeSpan.FromSeconds(10), engine.Runs[0].MetricsInterval);
        Assert.Contains("(stasis.json)", output, StringComparison.Ordinal);

        (exit, _, var error, _) = await RunAsync("simulate", "--trace", "code.csv", "--config", "bad.json", "--no-chart");

        Assert.Equal(1, exit);
        Assert.Contains("unknown key 'prices.gpuIdlePrice'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoProvision_WarnsThatTheModesRunAlike()
    {
        var (exit, _, error, _) = await RunAsync("simulate", "--trace", "code.csv", "--compare", "--no-chart");

        Assert.Equal(0, exit);
        Assert.Contains("warning: no provisioned instances", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policies_RunEachPlacementPolicyInTheMode()
    {
        var (exit, output, _, engine) = await RunAsync("simulate", "--trace", "code.csv", "--target", "1", "--policies", "jiq,rr", "--mode", "always", "--no-chart");

        Assert.Equal(0, exit);
        Assert.Equal(["join-idle-queue", "round-robin"], engine.Runs.Select(r => r.Functions[0].Spec.SchedulingPolicy));
        Assert.All(engine.Runs, r => Assert.Equal(SimulationMode.AlwaysAllocated, r.Mode));
        Assert.Matches(@"FIGURE\s+ALWAYS-ALLOCATED / JOIN-IDLE-QUEUE\s+ALWAYS-ALLOCATED / ROUND-ROBIN", output);
    }

    [Fact]
    public async Task Overrides_StartColdStartThawInitializeSeedAndSteps()
    {
        var (exit, _, error, engine) = await RunAsync("simulate", "--trace", "code.csv", "--no-chart", "--preset", "sd", "--cold-start", "1s..2s", "--thaw", "2s",
            "--initialize", "500ms", "--start", "2024-07-10T08:00:00Z", "--seed", "9", "--timeline-step", "10s", "--idle-timeout", "1m",
            "--scale-out-intervals", "2", "--scale-in-intervals", "4", "--metrics-interval", "5s");

        Assert.Equal(0, exit);
        var s = engine.Runs[0];
        Assert.Equal(new TimeDistribution(1000, 2000), s.ColdStart);
        Assert.Equal(TimeDistribution.Fixed(2000), s.Thaw);
        Assert.Equal(TimeDistribution.Fixed(500), s.Initialize);
        Assert.Equal(new DateTimeOffset(2024, 7, 10, 8, 0, 0, TimeSpan.Zero), s.Start);
        Assert.Equal(9, s.Seed);
        Assert.Equal(TimeSpan.FromSeconds(10), s.TimelineStep);
        Assert.Equal(TimeSpan.FromMinutes(1), s.IdleTimeout);
        Assert.Equal((2, 4), (s.ScaleOutIntervals, s.ScaleInIntervals));
        Assert.Equal(TimeSpan.FromSeconds(5), s.MetricsInterval);
        Assert.Contains("warning: --cold-start overrides the cold start of --preset sd", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AzureFunctionsTrace_WithAOneFunctionTemplate_GivesEachFunctionTheSpec()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "af.csv"), "app,func,end_timestamp,duration\na,f,1.5,1\nb,g,3,0.25\na,f,4,2\n");

        var (exit, _, _, engine) = await RunAsync("simulate", "--trace", "af.csv", "-t", "s.yaml", "--no-chart", "--mode", "on-demand");

        Assert.Equal(0, exit);
        Assert.Equal(["a/f", "b/g"], engine.Runs[0].Functions.Select(f => f.Spec.FunctionName));
        Assert.All(engine.Runs[0].Functions, f => Assert.Equal(4, f.Spec.InstanceConcurrency));
        Assert.Equal([1000.0, 2000, 250], engine.Requests[0].Select(r => Math.Round(r.ServiceMs, 6)));
    }

    [Fact]
    public void Template_ThatNamesOnlyAnImage_LoadsForSimulationAndForDeploying()
    {
        var path = Path.Combine(_dir, "s.yaml");

        Assert.Equal("llm", Assert.Single(Stasis.Cli.Deploying.TemplateLoader.Load(path, _ => null, requireRunnable: false).Resources).Spec.FunctionName);
        // Whether the image can run is the server's to say (its store); the CLI deploys it as FC's would.
        Assert.Equal("llm", Assert.Single(Stasis.Cli.Deploying.TemplateLoader.Load(path, _ => null).Resources).Spec.FunctionName);
    }
}
