using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;
using Stasis.Server.Hosting;
using Stasis.Server.Storage;

namespace Stasis.FunctionalTests.Faults;

/// <summary>
/// Another process holds an exclusive lock on stasis.db: at start-up the server waits a bounded time and then
/// stops with an error naming the file and the process; while it runs, control API writes are refused with 503
/// StoreBusy, deployed functions keep serving, and the meter and instance records wait in memory until the
/// lock goes.
/// </summary>
public sealed class StoreLockTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task WhileRunning_ApiWritesAre503StoreBusy_InvocationsAreServed_NothingIsLostOnceTheLockGoes()
    {
        var store = Path.Combine(fx.DataDirectory, "stasis.db");
        await fx.DeployAsync(ServerFixture.Echo("locked-fn", concurrency: 1, initTimeout: 30) with { IdleTimeout = 1 });
        Assert.Equal(HttpStatusCode.OK, (await fx.Http.GetAsync("fn/locked-fn/invoke")).StatusCode);

        await using (var holder = await StoreLock.TakeAsync(store))
        {
            using (var deploy = await fx.Http.PutAsJsonAsync("api/v1/functions/locked-new", ServerFixture.Echo("locked-new"), JsonDefaults.Options))
            {
                await AssertStoreBusy(deploy, store, holder.Pid);
            }

            using (var provision = await fx.Http.PutAsync("api/v1/functions/locked-fn/provision", new StringContent("""{"defaultTarget": 1}""", Encoding.UTF8, "application/json")))
            {
                await AssertStoreBusy(provision, store, holder.Pid);
            }

            // Invocations go on, cold starts included (one slot per instance, three at once, each longer than a cold start).
            var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => fx.Http.GetAsync("fn/locked-fn/sleep?ms=3000")));
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));

            // The instances go idle and stop while the lock is held: their meter intervals and records wait in memory.
            await ServerFixture.Until(async () => (await fx.InstancesAsync("locked-fn")).Count == 0, "the idle instances are stopped");
            await UntilStatus(s => s is { State: "busy", PendingMeterIntervals: > 0, PendingWrites: > 0 }, "the status shows what waits");

            // Reads are not blocked: the bill includes what waits in memory.
            var bill = (await fx.Http.GetFromJsonAsync<BillReport>("api/v1/bill?function=locked-fn", JsonDefaults.Options))!;
            Assert.True(bill.Functions.Single().Instances.Count >= 2, $"{bill.Functions.Single().Instances.Count} instances billed");
            Assert.DoesNotContain("locked-new", StoreFile.Functions(store));

            await holder.ReleaseAsync();
        }

        await UntilStatus(s => s is { State: "ok", PendingMeterIntervals: 0, PendingWrites: 0 }, "what waited is written");

        var ended = (await fx.InstancesAsync("locked-fn", all: true)).Where(i => i.StoppedAt is not null).ToList();
        Assert.True(ended.Count >= 2, $"{ended.Count} instances ended");
        AssertLedgerAndRecords(store, "locked-fn", ended);
        await fx.DeployAsync(ServerFixture.Echo("locked-new"));
        Assert.Contains("locked-new", StoreFile.Functions(store));
    }

    [Fact]
    public async Task AtStartUp_LockHeldThroughTheWait_TheServerExitsNamingTheFileAndTheProcess()
    {
        await using var server = new ServerProcess();
        await server.StartAsync();
        Gateway.GatewayTests.Signal(server.Process.Id, 15);
        await server.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        await using var holder = await StoreLock.TakeAsync(server.StoreFile);
        var process = server.Launch("--listen", "127.0.0.1:0");
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(1, process.ExitCode);
        var output = string.Join('\n', server.Output);
        Assert.Contains($"the server did not start: the store {server.StoreFile} is locked by another process (pid {holder.Pid} python3)", output);
        Assert.Contains("end that process's transaction (or stop it), or start the server with another --data directory", output);
    }

    [Fact]
    public async Task AtStartUp_LockReleasedWithinTheWait_TheServerStarts()
    {
        var data = Path.Combine(fx.DataDirectory, "startup-wait");
        var options = new StasisServerOptions { Listen = "127.0.0.1:0", DataDirectory = data, StoreLockWait = TimeSpan.FromSeconds(60) };
        await (await StasisServer.StartAsync(options, configureLogging: l => l.SetMinimumLevel(LogLevel.Warning))).DisposeAsync();

        await using var holder = await StoreLock.TakeAsync(Path.Combine(data, "stasis.db"));
        var logged = new CapturedLog();
        // StartAsync waits for the lock before its first await: off this thread, so the test can release it.
        var starting = Task.Run(() => StasisServer.StartAsync(options, configureLogging: l => l.SetMinimumLevel(LogLevel.Warning).AddProvider(logged)));
        await ServerFixture.Until(() => Task.FromResult(logged.Contains("is locked by another process") || starting.IsCompleted), "the server waits for the lock");
        Assert.False(starting.IsCompleted, "the server started while another process held the lock");
        Assert.Contains($"(pid {holder.Pid} python3); waiting up to 60 s for it", logged.Text);

        await holder.ReleaseAsync();

        await using var server = await starting.WaitAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = server.Address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/v1/status")).StatusCode);
    }

    /// <summary>503 StoreBusy JSON with Retry-After, naming the file and the process that holds it.</summary>
    private static async Task AssertStoreBusy(HttpResponseMessage response, string store, int holder)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("StoreBusy", error.Code);
        Assert.Contains($"the store {store} is locked by another process (pid {holder} python3); the change was not saved", error.Message);
    }

    /// <summary>
    /// What waited was written, nothing lost: each ended instance's intervals follow one another without a gap up to
    /// the instant it stopped, and its row says it stopped.
    /// </summary>
    internal static void AssertLedgerAndRecords(string store, string function, List<InstanceInfo> ended)
    {
        var intervals = StoreFile.Intervals(store).Where(i => i.FunctionName == function).ToList();
        StoreFile.AssertContiguous(intervals);
        var rows = StoreFile.Instances(store, function);
        foreach (var instance in ended)
        {
            var mine = intervals.Where(i => i.InstanceId == instance.Id).ToList();
            Assert.True(mine.Count > 0, $"instance {instance.Id} has no interval in the store");
            var stoppedUs = (instance.StoppedAt!.Value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
            Assert.Equal(stoppedUs, mine.Max(i => i.EndUs));
            Assert.Contains(rows, r => r.Id == instance.Id && r.State == instance.State && r.StoppedAt is not null);
        }
    }

    private async Task<StorageStatus> Status() =>
        (await fx.Http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!.Storage;

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
}
