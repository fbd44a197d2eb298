using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Stasis.Client;
using Stasis.Client.Model;
using Stasis.Server.Runtime;
using Stasis.Server.Runtime.Process;

namespace Stasis.FunctionalTests.Metrics;

/// <summary>Metrics of real invocations of a real function, through the API, <c>/metrics</c> and the CLI.</summary>
public sealed class MetricsApiTests(MetricsServerFixture fx) : IClassFixture<MetricsServerFixture>
{
    [Fact]
    public async Task Invocations_ShowUpInTheClosedIntervals_WithErrorsLatencyAndTheInstance()
    {
        await fx.DeployAsync(ServerFixture.Echo("metrics-api"));
        for (var i = 0; i < 3; i++)
        {
            using var ok = await fx.Http.GetAsync("fn/metrics-api/hello");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var failed = await fx.Http.GetAsync("fn/metrics-api/fcerror"))
        {
            Assert.Equal("404", failed.Headers.GetValues("x-fc-status").Single());
        }

        using var client = new StasisClient(fx.Server.Address);
        MetricsReport report = null!;
        await ServerFixture.Until(async () =>
        {
            report = await client.GetMetricsAsync("metrics-api", "10m", instances: true);
            // On a busy host the start and all four requests can fall in one interval sampled while it still started:
            // the next interval sees the instance ready.
            return report.Points.Sum(p => p.Invocations) == 4 && report.Points.Any(p => p.InstancesByState.Ready + p.InstancesByState.Busy == 1);
        }, "four invocations in the closed intervals, and an interval with the instance serving");

        Assert.Equal(1, report.IntervalSeconds);
        Assert.Equal(1, report.Points.Sum(p => p.Errors));
        var busy = report.Points.Where(p => p.Invocations > 0).ToList();
        Assert.All(busy, p => Assert.NotNull(p.LatencyP50Ms));
        Assert.All(busy, p => Assert.True(p.LatencyP99Ms >= p.LatencyP50Ms));
        Assert.All(busy, p => Assert.NotNull(p.QueueWaitP90Ms));
        Assert.All(report.Points, p => Assert.Null(p.GpuMemoryUtilization));          // a CPU function: unavailable, not zero
        Assert.All(report.Points, p => Assert.Null(p.ProvisionedConcurrencyUtilization)); // no provisioned instance
        Assert.All(report.Points, p => Assert.True(p.End > p.Start));
        var instance = Assert.Single(await fx.InstancesAsync("metrics-api"));
        Assert.Contains(report.Points, p => p.Instances!.Any(i => i.InstanceId == instance.Id && i.Kind == "onDemand"));
        // The interval that closed while the instance served counts it (the first may close while it still starts).
        Assert.Contains(report.Points, p => p.InstancesByState.Ready + p.InstancesByState.Busy == 1);
    }

    [Fact]
    public async Task Instances_HaveCpuAndMemoryFromTheirCgroups_WhereTheHostHasThem()
    {
        var cgroups = ((ProcessRuntime)fx.Server.Services.GetRequiredService<IInstanceRuntime>()).Cgroups;
        await fx.DeployAsync(ServerFixture.Echo("metrics-cgroups"));
        using (var response = await fx.Http.GetAsync("fn/metrics-cgroups/hello"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var client = new StasisClient(fx.Server.Address);
        if (cgroups.CanLimitMemory)
        {
            await ServerFixture.Until(async () => (await client.GetMetricsAsync("metrics-cgroups", "10m", instances: true)).Points
                .Any(p => p.MemoryBytes > 0 && p.Instances!.Any(i => i.MemoryBytes > 0)), "memory from the instance's cgroup");
        }

        if (cgroups.UnifiedBase is not null)
        {
            // The first interval after an instance is first seen has its CPU utilization.
            await ServerFixture.Until(async () => (await client.GetMetricsAsync("metrics-cgroups", "10m", instances: true)).Points
                .Any(p => p.CpuUtilization >= 0 && p.Instances!.Any(i => i.CpuUtilization >= 0)), "CPU utilization from the instance's cgroup");
        }
    }

    [Fact]
    public async Task Prometheus_ExposesTheFunctionsSeries_NotReachableThroughTheGateway()
    {
        await fx.DeployAsync(ServerFixture.Echo("metrics-prom"));
        using (var response = await fx.Http.GetAsync("fn/metrics-prom/hello"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        string text = "";
        await ServerFixture.Until(async () =>
        {
            text = await fx.Http.GetStringAsync("metrics");
            return text.Contains("stasis_function_instances{function=\"metrics-prom\",state=\"ready\"} 1", StringComparison.Ordinal);
        }, "the instance's state in /metrics");

        Assert.Contains("stasis_function_invocations_total{function=\"metrics-prom\",status_class=\"2xx\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("stasis_function_request_duration_seconds_bucket{function=\"metrics-prom\",le=\"+Inf\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE stasis_function_queue_wait_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("stasis_function_in_flight{function=\"metrics-prom\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("stasis_function_provisioned_target{function=\"metrics-prom\"} 0", text, StringComparison.Ordinal);
        using (var exposition = await fx.Http.GetAsync("metrics"))
        {
            Assert.Equal("text/plain", exposition.Content.Headers.ContentType?.MediaType);
        }

        // /fn/metrics is a function named "metrics" that does not exist, not the exposition.
        using var throughGateway = await fx.Http.GetAsync("fn/metrics");
        Assert.Equal(HttpStatusCode.NotFound, throughGateway.StatusCode);
        Assert.Equal("FunctionNotFound", (await throughGateway.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!.Code);
    }

    [Fact]
    public async Task Prometheus_RemovedFunction_ItsSeriesGo()
    {
        await fx.DeployAsync(ServerFixture.Echo("metrics-gone"));
        using (var response = await fx.Http.GetAsync("fn/metrics-gone/hello"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await ServerFixture.Until(async () => (await fx.Http.GetStringAsync("metrics")).Contains("instance=\"metrics-gone-", StringComparison.Ordinal),
            "the instance's series");
        using var client = new StasisClient(fx.Server.Address);
        await client.DeleteFunctionAsync("metrics-gone");

        await ServerFixture.Until(async () => !(await fx.Http.GetStringAsync("metrics")).Contains("function=\"metrics-gone\"", StringComparison.Ordinal),
            "no series of the removed function");
    }

    [Fact]
    public async Task Metrics_UnknownFunction_Is404()
    {
        using var client = new StasisClient(fx.Server.Address);

        var error = await Assert.ThrowsAsync<StasisApiException>(() => client.GetMetricsAsync("no-such-function"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("FunctionNotFound", error.Error.Code);
    }

    [Theory]
    [InlineData("since=yesterday", "InvalidSince")]
    [InlineData("since=5parsecs", "InvalidSince")]
    [InlineData("instances=maybe", "InvalidInstances")]
    [InlineData("points=0", "InvalidPoints")]
    [InlineData("points=5001", "InvalidPoints")]
    [InlineData("points=10&instances=true", "InvalidPoints")]
    public async Task Metrics_BadQuery_Is400JsonSayingWhatIsAccepted(string query, string code)
    {
        await fx.DeployAsync(ServerFixture.Echo("metrics-bad-query"));

        using var response = await fx.Http.GetAsync("api/v1/functions/metrics-bad-query/metrics?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = (await response.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!;
        Assert.Equal(code, error.Code);
        if (code == "InvalidSince")
        {
            Assert.Contains("15m, 1h, 24h or 7d", error.Message, StringComparison.Ordinal);
            Assert.Contains("ISO 8601", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Cli_Metrics_PrintsARowPerClosedInterval()
    {
        await fx.DeployAsync(ServerFixture.Echo("metrics-cli"));
        using (var response = await fx.Http.GetAsync("fn/metrics-cli/hello"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var client = new StasisClient(fx.Server.Address);
        await ServerFixture.Until(async () => (await client.GetMetricsAsync("metrics-cli", "10m")).Points.Any(p => p.Invocations == 1), "the invocation's interval");

        var (exit, output, error) = await RunCliAsync("metrics", "metrics-cli", "--since", "10m");

        Assert.Equal(0, exit);
        Assert.Equal("", error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("metrics of metrics-cli every 1s from ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("TIME", lines[1], StringComparison.Ordinal);
        // TIME INVOCATIONS ERRORS ...: the interval with the invocation, and no GPU figures on this function.
        var row = lines.Skip(2).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Single(cells => cells[1] == "1");
        Assert.Equal("0", row[2]);
        Assert.Equal("n/a", row[^2]);

        var (jsonExit, json, _) = await RunCliAsync("metrics", "metrics-cli", "--since", "10m", "--instances", "-o", "json");
        Assert.Equal(0, jsonExit);
        var report = System.Text.Json.JsonSerializer.Deserialize<MetricsReport>(json, JsonDefaults.Options)!;
        Assert.Equal(1, report.Points.Sum(p => p.Invocations));
        Assert.All(report.Points, p => Assert.NotNull(p.Instances));
    }

    [Fact]
    public async Task Cli_Metrics_UnknownFunction_FailsWithTheApiError()
    {
        var (exit, _, error) = await RunCliAsync("metrics", "no-such-function");

        Assert.Equal(1, exit);
        Assert.StartsWith("error: FunctionNotFound: ", error, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Out, string Err)> RunCliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await global::Stasis.Cli.Cli.RunAsync([.. args, "--endpoint", fx.Server.Address.ToString().TrimEnd('/')], output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
