using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;

namespace Stasis.FunctionalTests.Faults;

/// <summary>
/// A provisioned instance whose <c>/initialize</c> never answers (the on-demand case is
/// InstanceLifecycleTests.Invoke_InitializerFailsOrHangs_InstanceNeverServesAndIsStopped).
/// </summary>
public sealed class InitializerHangTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ProvisionedInitializerHangs_NeverServes_IsStopped_ErrorShown_RetriedWithGrowingBackOff()
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        var spec = ServerFixture.Echo("hang-prov", new() { ["INIT_MODE"] = "hang" }, initTimeout: 8);
        await fx.DeployAsync(spec with { CustomContainerConfig = spec.CustomContainerConfig! with { Command = ["app.py", marker] } });
        (await fx.Http.PutAsync("api/v1/functions/hang-prov/provision", new StringContent("""{"defaultTarget": 1}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        // A request finds nothing that can serve it: a JSON error with the reason, not a hang.
        using (var response = await fx.Http.PostAsync("fn/hang-prov/invoke", new StringContent("x")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var error = await GatewayTests.ReadError(response);
            Assert.Equal("InstanceStartFailed", error.Code);
            Assert.True(error.Message.Contains("did not answer within 8s", StringComparison.Ordinal), error.Message);
        }

        List<InstanceInfo> attempts = [];
        await ServerFixture.Until(async () => (attempts = await Provisioned()).Count(i => i.StoppedAt is not null) >= 3, "three failed provisioned starts", seconds: 120);

        var failed = attempts.Where(i => i.StoppedAt is not null).OrderBy(i => i.StartedAt).ToList();
        Assert.All(failed, i =>
        {
            Assert.Equal("Failed", i.State);
            Assert.Null(i.ReadyAt); // never took traffic
            Assert.Contains("did not answer within 8s", i.Error);
            Assert.False(ServerFixture.ProcessAlive(i.Pid!.Value), $"attempt {i.Id} (pid {i.Pid}) is still running");
        });

        // Retried, but not in a loop: each wait between a failure and the next attempt is longer than the one before.
        var waits = failed.Zip(failed.Skip(1), (a, b) => b.StartedAt - a.StoppedAt!.Value).ToList();
        Assert.True(waits[0] >= TimeSpan.FromSeconds(1), $"the first retry came {waits[0].TotalMilliseconds} ms after the failure");
        Assert.True(waits.Zip(waits.Skip(1)).All(p => p.Second > p.First), $"waits between attempts do not grow: {string.Join(", ", waits.Select(w => w.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))} s");

        var provision = (await fx.Http.GetFromJsonAsync<ProvisionInfo>("api/v1/functions/hang-prov/provision", JsonDefaults.Options))!;
        Assert.Equal(0, provision.Current);
        Assert.Contains("did not answer within 8s", provision.CurrentError);
        Assert.Contains("FC Initialize Failed", await fx.Http.GetStringAsync("api/v1/functions/hang-prov/logs?tail=200"));

        (await fx.Http.DeleteAsync("api/v1/functions/hang-prov")).EnsureSuccessStatusCode();
        await ServerFixture.Until(() => Task.FromResult(ProcessTable.WithMarker(marker).Count == 0), "no attempt is left running");
    }

    private async Task<List<InstanceInfo>> Provisioned() =>
        (await fx.InstancesAsync("hang-prov", all: true)).Where(i => i.Kind == "provisioned").ToList();
}
