using System.Net;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Scheduling;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Scheduling;

public sealed class FunctionDispatcherTests
{
    [Fact]
    public async Task Acquire_NoInstance_ColdStartsOneAndRunsInitializerFirst()
    {
        var h = new DispatcherHarness();
        var seen = new List<string>();
        h.Runtime.Handler = r => { lock (seen) { seen.Add($"{r.Method} {r.RequestUri!.AbsolutePath} {r.Headers.GetValues("x-fc-request-id").Single()[..5]}"); } return new HttpResponseMessage(HttpStatusCode.OK); };

        using var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None);

        Assert.Single(h.Runtime.Launches);
        Assert.Equal(["POST /initialize init-"], seen);
        Assert.Equal("Busy", h.Live.Single().State);
        Assert.Contains(h.Lines, l => l.StartsWith("FC Initialize Start RequestId: init-", StringComparison.Ordinal));
        Assert.Contains(h.Lines, l => l.StartsWith("FC Initialize End RequestId: init-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Acquire_LaunchCarriesFcVariablesAndPort()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with
        {
            EnvironmentVariables = new() { ["MODEL"] = "m1" },
            CustomContainerConfig = new CustomContainerConfig { Entrypoint = ["python3"], Command = ["app.py"], Port = 9000 },
            MemorySize = 1024,
        });

        using var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None);

        var launch = h.Runtime.Launches.Single();
        Assert.Equal(["python3", "app.py"], launch.Argv);
        Assert.Equal("m1", launch.Environment["MODEL"]);
        Assert.Equal("9000", launch.Environment["FC_SERVER_PORT"]);
        Assert.Equal("9000", launch.Environment["PORT"]);
        Assert.Equal("fn", launch.Environment["FC_FUNCTION_NAME"]);
        Assert.Equal("1024", launch.Environment["FC_FUNCTION_MEMORY_SIZE"]);
        Assert.Equal(1024L * 1024 * 1024, launch.MemoryLimitBytes);
    }

    [Fact]
    public async Task Acquire_ConcurrencyTwo_TwoRequestsShareOneInstance()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 2 });

        using var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        using var b = await h.Dispatcher.AcquireAsync(CancellationToken.None);

        Assert.Same(a.Instance, b.Instance);
        Assert.Equal(2, a.Instance.InFlight);
        Assert.Single(h.Runtime.Launches);
    }

    [Fact]
    public async Task Acquire_AllSlotsBusy_StartsAnotherInstanceUpToMax()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { MaxInstances = 2 });

        var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var b = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var c = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();

        Assert.NotSame(a.Instance, b.Instance);
        Assert.Equal(2, h.Runtime.Launches.Count);
        Assert.False(c.IsCompleted);

        b.Dispose();
        var lease = await c;
        Assert.Same(b.Instance, lease.Instance);
        Assert.Equal(2, h.Runtime.Launches.Count);
        a.Dispose();
        lease.Dispose();
    }

    [Fact]
    public async Task Release_QueuedRequests_AreServedInArrivalOrder()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { MaxInstances = 1 });
        var first = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var order = new List<int>();
        var waiting = Enumerable.Range(1, 5).Select(async i =>
        {
            await Task.Yield();
            return (i, task: h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask());
        }).Select(t => t.Result).ToList();

        first.Dispose();
        foreach (var (i, task) in waiting)
        {
            using var lease = await task;
            order.Add(i);
        }

        Assert.Equal([1, 2, 3, 4, 5], order);
        Assert.Single(h.Runtime.Launches);
    }

    [Fact]
    public async Task Acquire_QueueFull_Is429WithRetryAfterAndTakesNoPlace()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { MaxInstances = 1, MaxQueueLength = 2 });
        var held = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var queued = new[] { h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask(), h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask() };

        var e = await Assert.ThrowsAsync<DispatchException>(() => h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask());

        Assert.Equal(429, e.StatusCode);
        Assert.Equal("QueueFull", e.Code);
        Assert.NotNull(e.RetryAfter);
        Assert.InRange(e.RetryAfter!.Value.TotalSeconds, 1, 60);
        Assert.Equal(2, h.Dispatcher.Status().Queued);
        held.Dispose();
        foreach (var waiting in queued)
        {
            (await waiting).Dispose(); // one slot: each queued request gets it in turn
        }
    }

    [Fact]
    public void DrainRate_RetryAfter_IsQueueDividedByTheObservedRate()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var rate = new DrainRate();
        for (var i = 0; i < 33; i++)
        {
            rate.Record(time.GetTimestamp());
            time.Advance(TimeSpan.FromMilliseconds(125)); // 8 completions a second
        }

        // The window holds the last 32 completions, 31 intervals of 125 ms: 8/s; 40 queued → 5 s.
        Assert.Equal(TimeSpan.FromSeconds(5), rate.RetryAfter(40, time.GetTimestamp() - TimeSpan.FromMilliseconds(125).Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond, time));
        Assert.Equal(TimeSpan.FromSeconds(1), new DrainRate().RetryAfter(100, time.GetTimestamp(), time));
    }

    [Fact]
    public async Task Acquire_MaxInstancesZero_FailsAtOnceWithNoCapacity()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { MaxInstances = 0 });

        var e = await Assert.ThrowsAsync<DispatchException>(() => h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask());

        Assert.Equal(503, e.StatusCode);
        Assert.Equal("NoCapacity", e.Code);
        Assert.Empty(h.Runtime.Launches);
    }

    [Fact]
    public async Task Acquire_StartFails_WaitersGetTheErrorAndInstanceIsRecordedFailed()
    {
        var h = new DispatcherHarness();
        h.Runtime.FailStartsWith = "exited with code 3 before opening port 9000";

        var e = await Assert.ThrowsAsync<DispatchException>(() => h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask());

        Assert.Equal("InstanceStartFailed", e.Code);
        Assert.Contains("exited with code 3", e.Message);
        Assert.Contains("last line of output", e.Message);
        var failed = h.Dispatcher.Snapshot(includeEnded: true).Single();
        Assert.Equal("Failed", failed.State);
        Assert.Contains("exited with code 3", failed.Error);
        Assert.Empty(h.Live);
    }

    [Fact]
    public async Task Acquire_InitializerAnswers500_InstanceNeverServesAndIsStopped()
    {
        var h = new DispatcherHarness();
        h.Runtime.Handler = r => r.RequestUri!.AbsolutePath == "/initialize"
            ? new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("model file missing") }
            : new HttpResponseMessage(HttpStatusCode.OK);

        var e = await Assert.ThrowsAsync<DispatchException>(() => h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask());

        Assert.Contains("answered 500", e.Message);
        Assert.Contains("model file missing", e.Message);
        await DispatcherHarness.Until(() => h.Runtime.Instances.Values.All(i => i.Stopped), "the failed instance is stopped");
        Assert.Contains(h.Lines, l => l.Contains("FC Initialize Failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Acquire_CanceledWhileQueued_LeavesQueueAndLeaksNoSlot()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { MaxInstances = 1 });
        var held = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var abandoned = h.Dispatcher.AcquireAsync(cts.Token).AsTask();
        var next = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();
        Assert.Equal(2, h.Dispatcher.Status().Queued);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.Equal(1, h.Dispatcher.Status().Queued);

        held.Dispose();
        using var lease = await next;
        Assert.Equal(1, lease.Instance.InFlight);
        Assert.Equal(0, h.Dispatcher.Status().Queued);
    }

    [Fact]
    public async Task InstanceCrash_IsRecordedAndNextRequestStartsANewInstance()
    {
        var h = new DispatcherHarness();
        var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var first = lease.Instance.Id;

        h.Runtime.Instances[first].Crash();
        await DispatcherHarness.Until(() => h.Live.Count == 0, "the crashed instance leaves the pool");
        lease.Dispose();

        using var next = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        Assert.NotEqual(first, next.Instance.Id);
        var crashed = h.Dispatcher.Snapshot(true).Single(i => i.Id == first);
        Assert.Equal("Failed", crashed.State);
        Assert.Contains("signal 9", crashed.Error);
    }

    [Fact]
    public async Task Tick_OnDemandInstanceIdlePastTimeout_IsStoppedWithPreStop()
    {
        var spec = new DispatcherHarness().Spec with
        {
            InstanceLifecycleConfig = new InstanceLifecycleConfig { PreStop = new LifecycleHook { Handler = "pre", Timeout = 2 } },
        };
        var h = new DispatcherHarness(spec, idleTimeout: TimeSpan.FromMinutes(5));
        var paths = new List<string>();
        h.Runtime.Handler = r => { lock (paths) { paths.Add(r.RequestUri!.AbsolutePath); } return new HttpResponseMessage(HttpStatusCode.OK); };
        (await h.Dispatcher.AcquireAsync(CancellationToken.None)).Dispose();

        h.Time.Advance(TimeSpan.FromMinutes(4));
        h.Dispatcher.Tick(h.Time.GetUtcNow());
        Assert.Single(h.Live);

        h.Time.Advance(TimeSpan.FromMinutes(1));
        h.Dispatcher.Tick(h.Time.GetUtcNow());
        await DispatcherHarness.Until(() => h.Live.Count == 0, "the idle instance stops");

        Assert.Equal("Stopped", h.Dispatcher.Snapshot(true).Single().State);
        Assert.Contains("/pre-stop", paths);
        Assert.True(h.Runtime.Instances.Values.Single().Stopped);
    }

    [Fact]
    public async Task Update_RollsInstances_NewOneReadyBeforeOldOneStops()
    {
        var h = new DispatcherHarness();
        (await h.Dispatcher.AcquireAsync(CancellationToken.None)).Dispose();
        var old = h.Live.Single();

        h.Runtime.HoldStarts();
        var v2 = new FunctionRecord(h.Spec with { Description = "v2" }, 2, h.Time.GetUtcNow(), h.Time.GetUtcNow());
        h.Dispatcher.Update(v2);
        await DispatcherHarness.Until(() => h.Runtime.Launches.Count == 2, "a replacement starts");

        // While the replacement starts, the old instance still serves.
        using (var during = await h.Dispatcher.AcquireAsync(CancellationToken.None))
        {
            Assert.Equal(old.Id, during.Instance.Id);
            Assert.Equal(1, h.Dispatcher.Status().Counts.Outdated);
        }

        h.Runtime.ReleaseStarts();
        await DispatcherHarness.Until(() => h.Live.Count == 1 && h.Live[0].Version == 2, "the old instance is retired");
        using var after = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        Assert.Equal(2, after.Instance.Version);
        Assert.Equal("Stopped", h.Dispatcher.Snapshot(true).Single(i => i.Id == old.Id).State);
        Assert.Equal(0, h.Dispatcher.Status().Counts.Outdated);
    }

    [Fact]
    public async Task Close_QueuedRequestsFailAndInstancesStop()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { MaxInstances = 1 });
        var held = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var queued = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();

        var closing = h.Dispatcher.CloseAsync("was removed", TimeSpan.FromMinutes(1));
        var e = await Assert.ThrowsAsync<DispatchException>(() => queued);
        Assert.Equal("FunctionUnavailable", e.Code);
        Assert.False(closing.IsCompleted); // the in-flight request is still running

        held.Dispose();
        await closing;
        Assert.Empty(h.Live);
        Assert.True(h.Runtime.Instances.Values.Single().Stopped);
        await Assert.ThrowsAsync<DispatchException>(() => h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask());
    }

    public static TheoryData<string> Policies() => new(SchedulingPolicyNames.All);

    /// <summary>
    /// Thousands of requests from many tasks while instances die: inside leases, and at random from
    /// another task. Every request gets exactly one outcome, and at the end no slot is held and
    /// nothing waits, in the queue or in a backlog.
    /// </summary>
    [Theory]
    [MemberData(nameof(Policies))]
    public async Task Stress_ManyConcurrentRequestsWithCrashes_EachGetsExactlyOneOutcomeAndNoSlotLeaks(string policy)
    {
        const int requests = 3000;
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 2, MaxInstances = 4, MaxQueueLength = 10_000, SchedulingPolicy = policy });
        var outcomes = new int[requests];
        var (served, canceled, refused) = (0, 0, 0);
        using var stop = new CancellationTokenSource();
        var killer = Task.Run(async () =>
        {
            var random = new Random(5);
            while (!stop.IsCancellationRequested)
            {
                var live = h.Runtime.Instances.Values.Where(i => !i.Exited.IsCompleted).ToList();
                if (live.Count > 0 && random.Next(4) == 0)
                {
                    live[random.Next(live.Count)].Crash();
                }

                await Task.Delay(2);
            }
        });
        var tasks = Enumerable.Range(0, requests).Select(i => Task.Run(async () =>
        {
            using var cts = new CancellationTokenSource();
            if (i % 50 == 0)
            {
                cts.CancelAfter(1);
            }

            try
            {
                using var lease = await h.Dispatcher.AcquireAsync(cts.Token);
                Interlocked.Increment(ref outcomes[i]);
                Assert.True(lease.Instance.InFlight <= lease.Instance.Slots);
                if (i % 97 == 0)
                {
                    h.Runtime.Instances[lease.Instance.Id].Crash();
                }

                await Task.Yield();
                Interlocked.Increment(ref served);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref outcomes[i]);
                Interlocked.Increment(ref canceled);
            }
            catch (DispatchException)
            {
                // Every instance just died while this one waited: the request is told so at once.
                Interlocked.Increment(ref outcomes[i]);
                Interlocked.Increment(ref refused);
            }
        })).ToArray();

        await Task.WhenAll(tasks);
        await stop.CancelAsync();
        await killer;

        Assert.All(outcomes, n => Assert.Equal(1, n));
        Assert.Equal(requests, served + canceled + refused);
        Assert.True(served >= requests * 9 / 10, $"served {served}, canceled {canceled}, refused {refused}");
        await DispatcherHarness.Until(() => h.Live.All(i => i.InFlight == 0), "all slots returned");
        Assert.Equal(0, h.Dispatcher.Status().Queued);
        Assert.All(h.Live, i => Assert.Equal(0, i.Queued));
        Assert.True(h.Live.Count <= 4);
    }
}
