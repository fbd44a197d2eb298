using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Provisioning;

/// <summary>The server as a real process, killed with SIGKILL: orphans, provisioned targets and the meter survive it.</summary>
public sealed class ServerCrashTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "stasis-crash-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _server;

    [Fact]
    public async Task Kill9_RestartStopsOrphansRestoresTargetAndBillsIdleAndActiveTime()
    {
        var (http, _) = await StartServerAsync();
        var spec = ServerFixture.Echo("crashy");
        (await http.PutAsJsonAsync("api/v1/functions/crashy", spec, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await http.PutAsync("api/v1/functions/crashy/provision", new StringContent("""{"defaultTarget": 1, "alwaysAllocateCPU": false}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        await ServerFixture.Until(async () => (await Provision(http)).Frozen == 1, "frozen");
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("fn/crashy/invoke", new StringContent("x"))).StatusCode);
        await ServerFixture.Until(async () => (await Provision(http)).Frozen == 1, "frozen again");
        var orphan = (await http.GetFromJsonAsync<List<InstanceInfo>>("api/v1/functions/crashy/instances", JsonDefaults.Options))!.Single();
        await Task.Delay(2500); // a few heartbeats of idle time

        _server!.Kill(entireProcessTree: false); // SIGKILL: nothing is stopped or flushed
        await _server.WaitForExitAsync();
        Assert.True(ServerFixture.ProcessAlive(orphan.Pid!.Value), "the instance outlives a killed server");

        var (again, _) = await StartServerAsync();
        await ServerFixture.Until(() => Task.FromResult(!ServerFixture.ProcessAlive(orphan.Pid!.Value)), "the orphan is stopped");
        await ServerFixture.Until(async () => (await Provision(again)).Current == 1, "the provisioned target is restored");

        var bill = (await again.GetFromJsonAsync<BillReport>("api/v1/bill?function=crashy", JsonDefaults.Options))!;
        var old = bill.Functions.Single().Instances.Single(i => i.InstanceId == orphan.Id);
        Assert.True(old.IdleSeconds >= 1, $"idle {old.IdleSeconds}s");
        Assert.True(old.ActiveSeconds > 0, $"active {old.ActiveSeconds}s");
        Assert.True(old.To <= DateTimeOffset.UtcNow);
        var p = bill.Prices;
        var memoryGb = (decimal)old.MemoryGb;
        var expectedCu = old.ActiveSeconds * memoryGb * p.MemoryActiveCuPerGbSecond + old.IdleSeconds * memoryGb * p.MemoryIdleCuPerGbSecond
            + old.ActiveSeconds * (decimal)old.Vcpu * p.VcpuActiveCuPerSecond + old.IdleSeconds * (decimal)old.Vcpu * p.VcpuIdleCuPerSecond;
        Assert.Equal(Math.Round(expectedCu, 6), Math.Round(old.Cu, 6));
        Assert.Equal(Math.Round(old.Cu * p.CuPriceUsd, 6), Math.Round(old.CostUsd, 6));

        (await again.DeleteAsync("api/v1/functions/crashy")).EnsureSuccessStatusCode();
    }

    private static async Task<ProvisionInfo> Provision(HttpClient http) =>
        (await http.GetFromJsonAsync<ProvisionInfo>("api/v1/functions/crashy/provision", JsonDefaults.Options))!;

    private async Task<(HttpClient, int)> StartServerAsync()
    {
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "stasis.dll"), "server", "--listen", $"127.0.0.1:{port}", "--data", _data])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _server = Process.Start(psi)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        await ServerFixture.Until(async () =>
        {
            try
            {
                return (await http.GetAsync("api/v1/status")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the server answers", seconds: 60);
        return (http, port);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            // SIGTERM: a graceful stop that stops every instance the server started.
            Gateway.GatewayTests.Signal(_server.Id, 15);
            await _server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
