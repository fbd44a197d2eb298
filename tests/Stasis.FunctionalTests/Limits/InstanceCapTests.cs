using System.Net;
using System.Net.Http.Json;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Limits;

/// <summary>A server that lets one instance live at a time.</summary>
public sealed class OneInstanceServerFixture : ServerFixture
{
    protected override StasisServerOptions Configure(StasisServerOptions options) =>
        options with { Limits = new ServerLimits { MaxInstancesTotal = 1 } };
}

/// <summary>The server-wide cap on live instances (--max-instances-total) with real processes.</summary>
public sealed class InstanceCapTests(OneInstanceServerFixture fx) : IClassFixture<OneInstanceServerFixture>
{
    [Fact]
    public async Task AtTheCap_NoInstanceStarts_RequestsEndIn504AndProvisioningWaitsWithTheReason_UntilRoomIsMade()
    {
        await fx.DeployAsync(ServerFixture.Echo("cap-first"));
        await fx.DeployAsync(ServerFixture.Echo("cap-second"));
        using (var served = await fx.Http.GetAsync("fn/cap-first/invoke"))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode); // the one place is taken
        }

        // On demand: the request waits as at maxInstances, and its 504 names the server's limit.
        using var request = new HttpRequestMessage(HttpMethod.Get, "fn/cap-second/invoke");
        request.Headers.Add("x-stasis-deadline-ms", "1500");
        using var refused = await fx.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.GatewayTimeout, refused.StatusCode);
        var error = await GatewayTests.ReadError(refused);
        Assert.Equal("QueueTimeout", error.Code);
        Assert.Equal("no instance of 'cap-second' became free within 1.5s; no new one could start: the server already runs 1 instances, its limit (--max-instances-total, limits.maxInstancesTotal).", error.Message);
        Assert.Empty(await fx.InstancesAsync("cap-second", all: true));

        // Provisioned: current stays below target, and currentError says why.
        using (var put = await fx.Http.PutAsJsonAsync("api/v1/functions/cap-second/provision", new { defaultTarget = 1, alwaysAllocateCPU = true }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var waiting = await ProvisionAsync("cap-second");
        Assert.Equal((1, 0), (waiting.Target, waiting.Current));
        Assert.Equal("1 of the target's instances cannot start: the server already runs 1 instances, its limit (--max-instances-total, limits.maxInstancesTotal)", waiting.CurrentError);
        var status = (await fx.Http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!;
        Assert.Equal((1, 1), (status.Instances, status.MaxInstancesTotal));

        // Room: the first function goes away, and the provisioned instance starts on the next tick.
        (await fx.Http.DeleteAsync("api/v1/functions/cap-first")).Dispose();
        await ServerFixture.Until(async () => (await ProvisionAsync("cap-second")).Current == 1, "the provisioned instance starts once there is room");
        Assert.Null((await ProvisionAsync("cap-second")).CurrentError);
        using var now = await fx.Http.GetAsync("fn/cap-second/invoke");
        Assert.Equal(HttpStatusCode.OK, now.StatusCode);
    }

    private async Task<ProvisionInfo> ProvisionAsync(string name) =>
        (await fx.Http.GetFromJsonAsync<ProvisionInfo>($"api/v1/functions/{name}/provision", JsonDefaults.Options))!;
}
