using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stasis.Client;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Metrics;

namespace Stasis.FunctionalTests.Api;

/// <summary>What the web console reads: recent invocations, instance timelines and downsampled metrics, of real invocations.</summary>
public sealed class ConsoleApiTests(MetricsServerFixture fx) : IClassFixture<MetricsServerFixture>
{
    [Fact]
    public async Task Invocations_AndTimeline_ShowTheRequestsAndTheInstanceThatServedThem()
    {
        await fx.DeployAsync(ServerFixture.Echo("console-echo"));
        string requestId;
        using (var ok = await fx.Http.GetAsync("fn/console-echo/hello?x=1"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            requestId = ok.Headers.GetValues("x-fc-request-id").Single();
        }

        string refusedId;
        using (var refused = await fx.Http.PutAsync("fn/console-echo/hello", new StringContent("no")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
            refusedId = refused.Headers.GetValues("x-fc-request-id").Single();
        }

        using var client = new StasisClient(fx.Server.Address);
        var instance = Assert.Single(await fx.InstancesAsync("console-echo"));
        var report = await client.GetInvocationsAsync("console-echo");

        Assert.Equal("console-echo", report.FunctionName);
        Assert.Equal(2, report.Invocations.Count);
        var (last, first) = (report.Invocations[0], report.Invocations[1]); // newest first
        Assert.Equal((requestId, "GET", "/hello", 200, false), (first.RequestId, first.Method, first.Path, first.Status, first.FunctionError));
        Assert.Equal((instance.Id, "cold"), (first.InstanceId, first.Arrival)); // the first request waited for the instance to start
        Assert.NotNull(first.QueueMs);
        Assert.True(first.DurationMs > 0);
        Assert.Equal((refusedId, "PUT", 405), (last.RequestId, last.Method, last.Status));
        Assert.Equal((null, null, null), (last.InstanceId, last.Arrival, last.QueueMs));
        Assert.True(last.StartedAt >= first.StartedAt);

        // Nulls are written out, so every invocation has the same fields.
        var json = await fx.Http.GetStringAsync("api/v1/functions/console-echo/invocations?limit=1");
        Assert.Contains("\"instanceId\":null", json, StringComparison.Ordinal);
        Assert.Contains("\"queueMs\":null", json, StringComparison.Ordinal);

        var timeline = await client.GetTimelineAsync("console-echo", "10m");
        var mine = Assert.Single(timeline.Instances);
        Assert.Equal((instance.Id, "on-demand"), (mine.InstanceId, mine.Kind));
        Assert.Contains(mine.Segments, s => s.State is "warm" or "busy");
        Assert.Equal("starting", mine.Segments[0].State);
        Assert.Equal(timeline.Until, mine.Segments[^1].To);
        Assert.All(mine.Segments.Zip(mine.Segments.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From));
        Assert.True(timeline.Since >= timeline.Until.AddHours(-1));
    }

    [Fact]
    public async Task Timeline_OfAnIdleModeProvisionedFunction_HasItsFrozenAndThawingTime()
    {
        await fx.DeployAsync(ServerFixture.Echo("console-idle"));
        using (var put = await fx.Http.PutAsync("api/v1/functions/console-idle/provision", new StringContent("""{"defaultTarget": 1, "alwaysAllocateCPU": false}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await ServerFixture.Until(async () => (await fx.InstancesAsync("console-idle")) is [{ State: "Frozen" }], "a frozen provisioned instance");
        using (var response = await fx.Http.GetAsync("fn/console-idle/invoke"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("thawed", response.Headers.GetValues("x-stasis-instance-state").Single());
        }

        using var client = new StasisClient(fx.Server.Address);
        var invocation = Assert.Single((await client.GetInvocationsAsync("console-idle", limit: 500)).Invocations);
        Assert.Equal("thawed", invocation.Arrival);

        await ServerFixture.Until(async () => (await fx.InstancesAsync("console-idle")) is [{ State: "Frozen" }], "frozen again");
        var mine = Assert.Single((await client.GetTimelineAsync("console-idle")).Instances);
        Assert.Equal(("provisioned", "frozen"), (mine.Kind, mine.State));
        var states = mine.Segments.Select(s => s.State).ToList();
        Assert.Equal(2, states.Count(s => s == "frozen"));
        Assert.Contains("thawing", states);
        Assert.True(states.IndexOf("thawing") > states.IndexOf("frozen"));
    }

    [Fact]
    public async Task Metrics_WithPoints_MergesTheIntervalsKeepingEveryInvocation()
    {
        await fx.DeployAsync(ServerFixture.Echo("console-metrics"));
        for (var i = 0; i < 3; i++)
        {
            using var ok = await fx.Http.GetAsync("fn/console-metrics/hello");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            await Task.Delay(1100); // one-second intervals: spread them over a few
        }

        using var client = new StasisClient(fx.Server.Address);
        MetricsReport all = null!;
        await ServerFixture.Until(async () =>
        {
            all = await client.GetMetricsAsync("console-metrics", "10m");
            return all.Points.Sum(p => p.Invocations) == 3 && all.Points.Count >= 3;
        }, "three invocations in at least three intervals");

        var merged = await client.GetMetricsAsync("console-metrics", all.Since.ToString("O"), points: 2);

        Assert.InRange(merged.Points.Count, 1, 2);
        Assert.Equal(3, merged.Points.Sum(p => p.Invocations));
        Assert.All(merged.Points, p => Assert.Null(p.Instances));
        Assert.Equal(all.Points[0].Start, merged.Points[0].Start);
    }

    [Theory]
    [InlineData("invocations?limit=0", "InvalidLimit")]
    [InlineData("invocations?limit=501", "InvalidLimit")]
    [InlineData("invocations?limit=ten", "InvalidLimit")]
    [InlineData("timeline?since=yesterday", "InvalidSince")]
    public async Task BadQuery_Is400JsonSayingWhatIsAccepted(string query, string code)
    {
        await fx.DeployAsync(ServerFixture.Echo("console-bad-query"));

        using var response = await fx.Http.GetAsync("api/v1/functions/console-bad-query/" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!.Code);
    }

    [Theory]
    [InlineData("invocations")]
    [InlineData("timeline")]
    public async Task UnknownFunction_Is404FunctionNotFound(string what)
    {
        using var response = await fx.Http.GetAsync($"api/v1/functions/no-such-function/{what}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("FunctionNotFound", (await response.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!.Code);
    }
}
