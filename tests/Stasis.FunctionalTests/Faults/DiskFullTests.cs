using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Faults;

/// <summary>
/// The data directory on a small tmpfs that the test fills to the last byte: control API writes are refused with
/// 507 InsufficientStorage, deployed functions keep serving, log lines that cannot be written are counted, and
/// once space is freed every meter interval and instance record that waited in memory is written.
/// </summary>
public sealed class DiskFullTests : IAsyncLifetime
{
    private TinyDisk _disk = null!;
    private StasisServer _server = null!;
    private HttpClient _http = null!;

    private string Data => Path.Combine(_disk.Path, "data");

    private string Store => Path.Combine(Data, "stasis.db");

    [Fact]
    public async Task DiskFull_ApiWritesAre507_InvocationsAreServed_LogDropsCounted_NothingLostOnceSpaceIsFreed()
    {
        await Deploy("full-fn");
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("fn/full-fn/invoke")).StatusCode);

        _disk.Fill();

        using (var deploy = await _http.PutAsJsonAsync("api/v1/functions/full-new", ServerFixture.Echo("full-new"), JsonDefaults.Options))
        {
            await AssertFull(deploy);
        }

        using (var provision = await _http.PutAsync("api/v1/functions/full-fn/provision", new StringContent("""{"defaultTarget": 1}""", Encoding.UTF8, "application/json")))
        {
            await AssertFull(provision);
        }

        // Invocations go on, cold starts included (one slot per instance, three at once, each longer than a cold start).
        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _http.GetAsync("fn/full-fn/sleep?ms=3000")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));

        // Log lines go on being written while the last page of the log file has room (tmpfs), then are dropped and counted.
        await ServerFixture.Until(async () =>
        {
            using var response = await _http.GetAsync("fn/full-fn/invoke");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await Status()).LogLinesDropped > 0;
        }, "log lines are dropped");
        using (var dropped = await _http.GetAsync("fn/full-fn/invoke"))
        {
            Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
            Assert.DoesNotContain(dropped.Headers.GetValues("x-fc-request-id").Single(), File.ReadAllText(Path.Combine(Data, "logs", "full-fn", "function.log")));
        }

        await ServerFixture.Until(async () => (await Instances()).Count == 0, "the idle instances are stopped");
        await UntilStatus(s => s is { State: "full", PendingMeterIntervals: > 0, PendingWrites: > 0 }, "the status shows what waits");

        _disk.Free();

        await UntilStatus(s => s is { State: "ok", PendingMeterIntervals: 0, PendingWrites: 0 }, "what waited is written");
        var ended = (await Instances(all: true)).Where(i => i.StoppedAt is not null).ToList();
        Assert.True(ended.Count >= 2, $"{ended.Count} instances ended");
        StoreLockTests.AssertLedgerAndRecords(Store, "full-fn", ended);

        using var again = await _http.GetAsync("fn/full-fn/invoke");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains($"FC Invoke End RequestId: {again.Headers.GetValues("x-fc-request-id").Single()}, Status: 200",
            File.ReadAllText(Path.Combine(Data, "logs", "full-fn", "function.log")));
        await Deploy("full-new");
        Assert.Contains("full-new", StoreFile.Functions(Store));
    }

    private async Task AssertFull(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("InsufficientStorage", error.Code);
        Assert.Contains($"the data directory {Data} is full; the change was not saved", error.Message);
    }

    private async Task Deploy(string name)
    {
        var spec = ServerFixture.Echo(name, concurrency: 1, initTimeout: 30) with { IdleTimeout = 1 };
        using var response = await _http.PutAsJsonAsync($"api/v1/functions/{name}", spec, JsonDefaults.Options);
        Assert.True(response.IsSuccessStatusCode, $"deploy failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<List<InstanceInfo>> Instances(bool all = false) =>
        (await _http.GetFromJsonAsync<List<InstanceInfo>>($"api/v1/functions/full-fn/instances?all={all.ToString().ToLowerInvariant()}", JsonDefaults.Options))!;

    private async Task<StorageStatus> Status() =>
        (await _http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!.Storage;

    /// <summary>Waits until the store's status matches; the last one seen is in the failure.</summary>
    private async Task UntilStatus(Func<StorageStatus, bool> wanted, string what)
    {
        StorageStatus? last = null;
        try
        {
            await ServerFixture.Until(async () => wanted(last = await Status()), what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last status: {last}", e);
        }
    }

    public async Task InitializeAsync()
    {
        _disk = new TinyDisk("8m");
        _server = await StasisServer.StartAsync(
            new StasisServerOptions { Listen = "127.0.0.1:0", DataDirectory = Data, StopGrace = TimeSpan.FromSeconds(2) },
            configureLogging: l => l.SetMinimumLevel(LogLevel.Warning));
        _http = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _disk?.Dispose();
    }
}
