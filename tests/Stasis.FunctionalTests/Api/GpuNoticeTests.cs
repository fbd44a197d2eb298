using System.Net.Http.Json;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Api;

/// <summary>A function that asks for a GPU, deployed on a host without one: the deploy says so (it used to deploy without a word).</summary>
public sealed class GpuNoticeTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task AGpuFunctionOnAHostWithoutAGpu_DeploysWithANoticeSayingSo()
    {
        var status = (await fx.Http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!;
        var gpu = status.RuntimeDetails["gpu"];
        var spec = ServerFixture.Echo("wants-gpu") with { GpuConfig = new GpuConfig { GpuMemorySize = 16384, GpuType = "fc.gpu.tesla.1" } };

        using var response = await fx.Http.PutAsJsonAsync("api/v1/functions/wants-gpu", spec, JsonDefaults.Options);
        response.EnsureSuccessStatusCode();
        var result = (await response.Content.ReadFromJsonAsync<DeployResult>(JsonDefaults.Options))!;

        if (gpu.StartsWith("none", StringComparison.Ordinal))
        {
            var notice = Assert.Single(result.Notices);
            Assert.Contains("function 'wants-gpu' asks for a GPU (gpuConfig), but this server's host has none", notice, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(result.Notices); // a host with a GPU: nothing to say
        }

        (await fx.Http.DeleteAsync("api/v1/functions/wants-gpu")).EnsureSuccessStatusCode();
    }
}
