using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Faults;

/// <summary>
/// The server killed with SIGKILL while it serves a provisioned and an on-demand function under concurrent load,
/// then started again on the same data directory: the store, the function logs, the meter, the instances and the
/// provisioned target all come back as docs/reliability.md says.
/// </summary>
public sealed class ServerKillUnderLoadTests : IAsyncLifetime
{
    private const int Workers = 8;
    private const int MaxRequests = 3000;
    private readonly ServerProcess _server = new();
    private readonly string _marker = "marker-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Kill9UnderLoad_RestartKeepsEveryAnsweredRequestInTheLogAndTheMeter_StopsTheOldInstances_RestoresTheTarget()
    {
        var http = await _server.StartAsync();
        await Deploy(http, "load-prov");
        await Deploy(http, "load-od");
        (await http.PutAsync("api/v1/functions/load-prov/provision", Json("""{"defaultTarget": 2, "alwaysAllocateCPU": false}"""))).EnsureSuccessStatusCode();
        await ServerFixture.Until(async () => (await Provision(http, "load-prov")).Current == 2, "two provisioned instances");

        // Load: a bounded number of requests from a few concurrent clients, alternating the functions.
        using var client = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var answered = new ConcurrentBag<(string Function, string RequestId)>();
        var issued = 0;
        var inFlight = 0;
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref issued) <= MaxRequests)
            {
                var function = (w + Volatile.Read(ref issued)) % 2 == 0 ? "load-prov" : "load-od";
                Interlocked.Increment(ref inFlight);
                try
                {
                    using var response = await client.GetAsync($"fn/{function}/sleep?ms=20", stop.Token);
                    await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
                    if (response.IsSuccessStatusCode)
                    {
                        answered.Add((function, response.Headers.GetValues("x-fc-request-id").Single()));
                    }
                }
                catch (Exception e) when (e is HttpRequestException or IOException or SocketException or OperationCanceledException)
                {
                    // The server died under this request: it got no answer. The connection's end can
                    // surface as any of these, depending on whether it broke while sending, waiting or
                    // reading the body.
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
            }
        })).ToList();
        await ServerFixture.Until(() => Task.FromResult(answered.Count >= 100 && Volatile.Read(ref inFlight) > 0), "100 answered requests, more in flight");

        await _server.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        await stop.CancelAsync();
        await Task.WhenAll(load);
        Assert.True(Volatile.Read(ref issued) < MaxRequests, "the load was still running at the kill");
        var orphans = ProcessTable.WithMarker(_marker);
        Assert.NotEmpty(orphans); // the instances outlive their server

        // The store as the killed server left it.
        Assert.Equal("ok", StoreFile.IntegrityCheck(_server.StoreFile));
        var openAtKill = StoreFile.OpenAtLastHeartbeat(_server.StoreFile);
        Assert.NotEmpty(openAtKill);
        var lastHeartbeat = openAtKill.Max(o => o.EndUs);

        // Every answered request has its End line on disk, after its Start line.
        var lines = new Dictionary<string, (DateTimeOffset Start, DateTimeOffset End, string Instance)>();
        foreach (var function in new[] { "load-prov", "load-od" })
        {
            foreach (var (id, entry) in InvocationLines(Path.Combine(_server.DataDirectory, "logs", function, "function.log")))
            {
                lines[id] = entry;
            }
        }

        var missing = answered.Where(a => !lines.ContainsKey(a.RequestId)).Select(a => a.RequestId).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {answered.Count} answered requests have no End line: {string.Join(", ", missing.Take(5))}");

        // The next server: the old instances are stopped (not adopted), the target comes back.
        http = await _server.StartAsync();
        await ServerFixture.Until(() => Task.FromResult(orphans.All(pid => !ServerFixture.ProcessAlive(pid))), "every instance of the killed server is stopped");
        await ServerFixture.Until(async () => (await Provision(http, "load-prov")) is { Current: 2, Target: 2 }, "the provisioned target is restored");
        var provisioned = (await http.GetFromJsonAsync<List<InstanceInfo>>("api/v1/functions/load-prov/instances", JsonDefaults.Options))!;
        Assert.All(provisioned, i => Assert.DoesNotContain(i.Pid!.Value, orphans));
        Assert.Equal("ok", StoreFile.IntegrityCheck(_server.StoreFile));

        // The meter: what was open at the last heartbeat is closed there, nothing overlaps, nothing ends after the kill.
        var intervals = StoreFile.Intervals(_server.StoreFile);
        foreach (var open in openAtKill)
        {
            Assert.Contains(intervals, i => i.InstanceId == open.InstanceId && i.State == open.State && i.StartUs == open.StartUs && i.EndUs == lastHeartbeat);
        }

        var before = intervals.Where(i => i.Start < killedAt).ToList();
        Assert.All(before, i => Assert.True(i.End <= killedAt, $"{i.InstanceId} {i.State} ends at {i.End:O}, after the kill at {killedAt:O}"));
        StoreFile.AssertContiguous(intervals);

        // Each answered request's instance is billed active over the request, up to the last heartbeat.
        var active = intervals.Where(i => i.State == "active").ToLookup(i => i.InstanceId);
        var checkedUpToHeartbeat = 0;
        foreach (var (_, requestId) in answered)
        {
            var (start, end, instance) = lines[requestId];
            // Log lines are stamped to the millisecond (rounded down); the slot was taken before the Start line.
            var from = MeterUs(start) + 1000;
            var to = Math.Min(MeterUs(end), lastHeartbeat);
            if (to <= from)
            {
                continue;
            }

            checkedUpToHeartbeat++;
            Assert.True(Covers(active[instance], from, to),
                $"request {requestId} on {instance} from {start:O} to {end:O} is not billed active (last heartbeat {lastHeartbeat})");
        }

        Assert.True(checkedUpToHeartbeat > 0, "no answered request fell before the last heartbeat");
    }

    /// <summary>Request id → (Start line stamp, End line stamp, instance) of each request with both lines.</summary>
    private static IEnumerable<(string, (DateTimeOffset, DateTimeOffset, string))> InvocationLines(string path)
    {
        var starts = new Dictionary<string, DateTimeOffset>();
        foreach (var line in File.ReadLines(path))
        {
            // 2026-03-01T12:00:00.123Z FC Invoke End RequestId: abc-000000000001, Status: 200, Duration: 21.5 ms, Instance: fn-1a2b
            var stamp = DateTimeOffset.Parse(line[..24], CultureInfo.InvariantCulture);
            var text = line[25..];
            if (text.StartsWith("FC Invoke Start RequestId: ", StringComparison.Ordinal))
            {
                starts[text["FC Invoke Start RequestId: ".Length..]] = stamp;
            }
            else if (text.StartsWith("FC Invoke End RequestId: ", StringComparison.Ordinal))
            {
                var id = text["FC Invoke End RequestId: ".Length..].Split(',')[0];
                var instance = text[(text.LastIndexOf("Instance: ", StringComparison.Ordinal) + "Instance: ".Length)..];
                Assert.True(starts.TryGetValue(id, out var start), $"End line of {id} without its Start line");
                yield return (id, (start, stamp, instance));
            }
        }
    }

    /// <summary>Whether the intervals, merged, cover [from, to) (microseconds).</summary>
    private static bool Covers(IEnumerable<StoredInterval> intervals, long from, long to)
    {
        var reached = from;
        foreach (var i in intervals.OrderBy(i => i.StartUs))
        {
            if (i.StartUs > reached)
            {
                break;
            }

            reached = Math.Max(reached, i.EndUs);
        }

        return reached >= to;
    }

    private static long MeterUs(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private async Task Deploy(HttpClient http, string name)
    {
        var spec = ServerFixture.Echo(name, concurrency: 2, initTimeout: 30);
        spec = spec with { CustomContainerConfig = spec.CustomContainerConfig! with { Command = ["app.py", _marker] } };
        (await http.PutAsJsonAsync($"api/v1/functions/{name}", spec, JsonDefaults.Options)).EnsureSuccessStatusCode();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<ProvisionInfo> Provision(HttpClient http, string name) =>
        (await http.GetFromJsonAsync<ProvisionInfo>($"api/v1/functions/{name}/provision", JsonDefaults.Options))!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();
}
