using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Gateway;

/// <summary>Placement policies and the load figures, through the real server and real instances.</summary>
public sealed class SchedulingTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task RoundRobin_SpreadsRequestsInTurn_AndInstancesReportTheirLoad()
    {
        var spec = ServerFixture.Echo("sched-rr", concurrency: 1) with { MaxInstances = 2, SchedulingPolicy = SchedulingPolicyNames.RoundRobin };
        var info = await fx.DeployAsync(spec);
        Assert.Equal(SchedulingPolicyNames.RoundRobin, info.SchedulingPolicy);
        using (var put = await fx.Http.PutAsync("api/v1/functions/sched-rr/provision", new StringContent("""{"defaultTarget": 2, "alwaysAllocateCPU": true}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await ServerFixture.Until(async () => (await fx.InstancesAsync("sched-rr")).Count(i => i.State == "Ready") == 2, "two warm instances");

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await fx.Http.GetAsync("fn/sched-rr/sleep?ms=200");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var queueMs = double.Parse(response.Headers.GetValues("x-stasis-queue-ms").Single(), CultureInfo.InvariantCulture);
            Assert.True(queueMs >= 0);
            return queueMs;
        }));

        var instances = await fx.InstancesAsync("sched-rr");
        Assert.Equal(2, instances.Count);
        Assert.All(instances, i => Assert.Equal(3, i.Completed)); // in turn, whatever each one was doing
        Assert.All(instances, i => Assert.InRange(i.BusyMs, 3 * 200, 60_000));
        Assert.All(instances, i => Assert.InRange(i.BusyShare!.Value, 0.0001, 1));
        Assert.All(instances, i => Assert.Equal(0, i.Queued));
        var function = (await fx.Http.GetFromJsonAsync<FunctionInfo>("api/v1/functions/sched-rr", JsonDefaults.Options))!;
        Assert.Equal(6, function.QueueWait!.Requests);
        Assert.InRange(function.QueueWait.MaxMs, answers.Max() - 50, answers.Max() + 50);
    }

    [Fact]
    public async Task JoinIdleQueue_IsTheDefault_AndAFreeInstanceAnswersWithNoQueueWait()
    {
        var info = await fx.DeployAsync(ServerFixture.Echo("sched-default"));
        Assert.Equal(SchedulingPolicyNames.JoinIdleQueue, info.SchedulingPolicy);
        using (var warmup = await fx.Http.GetAsync("fn/sched-default/"))
        {
            Assert.Equal(HttpStatusCode.OK, warmup.StatusCode);
        }

        using var response = await fx.Http.GetAsync("fn/sched-default/");

        Assert.Equal("0", response.Headers.GetValues("x-stasis-queue-ms").Single());
    }
}
