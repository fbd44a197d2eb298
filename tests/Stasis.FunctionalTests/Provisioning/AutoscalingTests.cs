using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stasis.Client.Model;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Provisioning;

/// <summary>A server with 1 s metric intervals and short scaling periods, so a test sees both directions in seconds.</summary>
public sealed class AutoscalingServerFixture : ServerFixture
{
    protected override StasisServerOptions Configure(StasisServerOptions options) =>
        options with { MetricsInterval = TimeSpan.FromSeconds(1), ScaleOutIntervals = 2, ScaleInIntervals = 3 };
}

/// <summary>Target tracking on the real server: real requests, real metric intervals, real instances.</summary>
public sealed class AutoscalingTests(AutoscalingServerFixture fx) : IClassFixture<AutoscalingServerFixture>
{
    private const string Policy = """
        {"defaultTarget": 1, "alwaysAllocateCPU": true, "targetTrackingPolicies": [
          {"name": "pcu", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.5, "minCapacity": 1, "maxCapacity": 3}]}
        """;

    [Fact]
    public async Task Load_RaisesCurrent_AndQuiet_LowersItAgain()
    {
        await fx.DeployAsync(ServerFixture.Echo("autoscaled", concurrency: 1) with { MaxInstances = 4 });
        using (var put = await fx.Http.PutAsync("api/v1/functions/autoscaled/provision", new StringContent(Policy, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await ServerFixture.Until(async () => (await Provision()).Current == 1, "one provisioned instance");

        // Load: two requests in flight at all times on one provisioned slot, until the autoscaler adds one.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var load = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await fx.Http.GetAsync("fn/autoscaled/sleep?ms=300", CancellationToken.None);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        })).ToArray();
        await ServerFixture.Until(async () => (await Provision()) is { Target: >= 2, Current: >= 2 }, "the autoscaler adds a provisioned instance under load", seconds: 60);
        await stop.CancelAsync();
        await Task.WhenAll(load);
        var loaded = await Provision();
        Assert.Contains("ProvisionedConcurrencyUtilization", loaded.Reason, StringComparison.Ordinal);

        await ServerFixture.Until(async () => (await Provision()) is { Target: 1, Current: 1 }, "the autoscaler releases it when quiet", seconds: 60);

        var history = (await fx.Http.GetFromJsonAsync<List<ScalingDecisionInfo>>("api/v1/functions/autoscaled/provision/history?limit=1000", JsonDefaults.Options))!;
        history.Reverse();
        var up = history.FindIndex(d => d.PreviousTarget == 1 && d.Target >= 2);
        var down = history.FindLastIndex(d => d.PreviousTarget >= 2 && d.Target == 1);
        Assert.True(up >= 0 && down > up, string.Join("\n", history.Select(d => $"{d.At:HH:mm:ss} {d.PreviousTarget}->{d.Target} {d.Reason}")));
        Assert.True(history[up].ProvisionedConcurrencyUtilization > 0.5);
        Assert.True(history[down].ProvisionedConcurrencyUtilization < 0.5);
    }

    [Fact]
    public async Task History_UnknownFunctionIs404_AndABadLimitIs400()
    {
        using var missing = await fx.Http.GetAsync("api/v1/functions/nope/provision/history");
        await fx.DeployAsync(ServerFixture.Echo("history-limit"));
        using var bad = await fx.Http.GetAsync("api/v1/functions/history-limit/provision/history?limit=0");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("InvalidLimit", (await Gateway.GatewayTests.ReadError(bad)).Code);
    }

    private async Task<ProvisionInfo> Provision() =>
        (await fx.Http.GetFromJsonAsync<ProvisionInfo>("api/v1/functions/autoscaled/provision", JsonDefaults.Options))!;
}
