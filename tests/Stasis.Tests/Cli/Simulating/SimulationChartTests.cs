using System.Text.Json;
using Stasis.Cli.Output;
using Stasis.Cli.Simulating;
using Stasis.Server.Simulation;

namespace Stasis.Tests.Cli.Simulating;

public sealed class SimulationChartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-chart-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RunOutcome Outcome(SimulationMode mode, IReadOnlyList<SimulationPoint> timeline) =>
        new(new RunSpec(RunPlan.Label(mode), mode, null), new SimulationResult { Mode = mode, Timeline = timeline }, null);

    private static List<SimulationPoint> Timeline(int points) =>
        Enumerable.Range(0, points).Select(i => new SimulationPoint(TimeSpan.FromSeconds(30 * i), 40 + i, i % 3 == 0 ? null : 200 + i, i % 2, 1, 2, 1, 3, 2 + (i % 2))).ToList();

    [Theory]
    [InlineData("one.svg")]
    [InlineData("one.png")]
    public void OneRun_IsDrawnByState(string name)
    {
        var path = Path.Combine(_dir, name);

        SimulationChart.Write(path, [Outcome(SimulationMode.IdleMode, Timeline(50))], "trace.csv");

        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{name} has {bytes.Length} bytes");
        if (name.EndsWith(".svg", StringComparison.Ordinal))
        {
            var svg = File.ReadAllText(path);
            Assert.StartsWith("<?xml", svg, StringComparison.Ordinal);
            Assert.Contains("frozen", svg, StringComparison.Ordinal);
            Assert.Contains("provisioned target", svg, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
    }

    [Fact]
    public void SeveralRuns_OneLinePerRun()
    {
        var path = Path.Combine(_dir, "compare.svg");

        SimulationChart.Write(path, RunPlan.All.Select(m => Outcome(m, Timeline(20))).ToList(), "trace.csv");

        var svg = File.ReadAllText(path);
        Assert.Contains("always-allocated", svg, StringComparison.Ordinal);
        Assert.Contains("on-demand", svg, StringComparison.Ordinal);
        Assert.Contains("p90 latency", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyTimeline_StillDrawsTheFrame()
    {
        var path = Path.Combine(_dir, "empty.svg");

        SimulationChart.Write(path, [Outcome(SimulationMode.OnDemand, [])], "trace.csv");

        Assert.True(new FileInfo(path).Length > 0);
    }

    [Fact]
    public void Json_WritesNoNaN_APercentileOfNothingIsNull()
    {
        var result = new SimulationResult { Mode = SimulationMode.OnDemand, LatencyP50Ms = double.NaN, Timeline = [new(TimeSpan.Zero, 0, double.NaN, 0, 0, 0, 0, 0, 0)] };
        var setup = new SimulationSetup(
            new Traffic("t.csv", "plain trace", ["a"], true, () => [], 0, TimeSpan.Zero, null, new ServiceModel.Column(), true),
            new FunctionPlan([new SimulatedFunction(new() { FunctionName = "a" }, null)], null, "defaults"),
            new SimulationSettings { Functions = [], Requests = () => [] },
            [],
            WorkloadPreset.Default,
            "defaults",
            null);
        var output = new StringWriter();

        JsonWriter.Write(output, SimulationJson.From(setup, [new RunOutcome(new RunSpec("on-demand", SimulationMode.OnDemand, null), result, null)], null));

        using var json = JsonDocument.Parse(output.ToString());
        var run = json.RootElement.GetProperty("runs")[0];
        Assert.False(run.GetProperty("latencyMs").TryGetProperty("p50", out _));
        Assert.False(run.GetProperty("timeline")[0].TryGetProperty("latencyP90Ms", out _));
    }
}
