using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Scheduling;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Scheduling;

/// <summary>The dispatcher with each placement policy: binding, backlogs, thaw preference, start estimates, visibility.</summary>
public sealed class PlacementDispatchTests
{
    private static async Task<DispatcherHarness> TwoWarmInstances(string policy)
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 1, MaxInstances = 2, SchedulingPolicy = policy });
        h.Dispatcher.SetProvision(2, idleMode: false);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Current == 2 && h.Live.All(i => i.State == "Ready"), "two warm instances");
        return h;
    }

    [Fact]
    public async Task RoundRobin_BindsARequestToABusyInstanceWhileAnotherIsFree()
    {
        var h = await TwoWarmInstances(SchedulingPolicyNames.RoundRobin);
        var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        (await h.Dispatcher.AcquireAsync(CancellationToken.None)).Dispose();

        var third = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();

        Assert.False(third.IsCompleted); // its turn is a's instance, busy; the other one is free
        Assert.Single(a.Instance.Backlog);
        Assert.Equal(1, h.Live.Single(i => i.Id == a.Instance.Id).Queued);
        Assert.Equal(1, h.Dispatcher.Status().Queued);
        a.Dispose();
        using var lease = await third;
        Assert.Same(a.Instance, lease.Instance);
    }

    [Fact]
    public async Task JoinIdleQueue_SameSequence_TheFreeInstanceTakesItAtOnce()
    {
        var h = await TwoWarmInstances(SchedulingPolicyNames.JoinIdleQueue);
        using var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        (await h.Dispatcher.AcquireAsync(CancellationToken.None)).Dispose();

        var third = h.Dispatcher.AcquireAsync(CancellationToken.None);

        Assert.True(third.IsCompleted);
        using var lease = await third;
        Assert.NotSame(a.Instance, lease.Instance);
    }

    [Fact]
    public async Task LeastOutstanding_PicksTheIdleInstance()
    {
        var h = await TwoWarmInstances(SchedulingPolicyNames.LeastOutstanding);
        using var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);

        using var b = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var c = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();
        var d = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();

        Assert.NotSame(a.Instance, b.Instance);
        Assert.Single(a.Instance.Backlog); // one waiting behind each, not two behind one
        Assert.Single(b.Instance.Backlog);
        a.Dispose();
        b.Dispose();
        (await c).Dispose();
        (await d).Dispose();
    }

    [Fact]
    public async Task BoundRequest_ItsInstanceCrashes_TheRequestIsServedElsewhere()
    {
        var h = await TwoWarmInstances(SchedulingPolicyNames.RoundRobin);
        var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var b = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var bound = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();
        Assert.Single(a.Instance.Backlog);

        h.Runtime.Instances[a.Instance.Id].Crash();
        await DispatcherHarness.Until(() => a.Instance.Backlog.Count == 0, "the backlog leaves the crashed instance");
        b.Dispose();

        using var lease = await bound;
        Assert.NotSame(a.Instance, lease.Instance);
        a.Dispose();
    }

    [Fact]
    public async Task BoundRequest_Canceled_LeavesTheBacklogAndLeaksNoSlot()
    {
        var h = await TwoWarmInstances(SchedulingPolicyNames.RoundRobin);
        var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        (await h.Dispatcher.AcquireAsync(CancellationToken.None)).Dispose();
        using var cts = new CancellationTokenSource();
        var bound = h.Dispatcher.AcquireAsync(cts.Token).AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bound);
        Assert.Empty(a.Instance.Backlog);
        a.Dispose();
        Assert.Equal(0, a.Instance.InFlight);
        Assert.Equal(0, h.Dispatcher.Status().Queued);
    }

    [Fact]
    public async Task BoundRequests_QueueLimitCountsThemToo()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 1, MaxInstances = 1, MaxQueueLength = 1, SchedulingPolicy = SchedulingPolicyNames.Random });
        h.Dispatcher.SetProvision(1, idleMode: false);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Current == 1, "one instance");
        using var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var waiting = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();

        var full = await Assert.ThrowsAsync<DispatchException>(() => h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask());

        Assert.Equal("QueueFull", full.Code);
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task Update_PolicyChangedToJoinIdleQueue_BoundRequestsTakeAnyFreeSlot()
    {
        var h = await TwoWarmInstances(SchedulingPolicyNames.RoundRobin);
        using var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        (await h.Dispatcher.AcquireAsync(CancellationToken.None)).Dispose();
        var bound = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();
        Assert.False(bound.IsCompleted);

        h.Dispatcher.Update(new FunctionRecord(h.Spec with { SchedulingPolicy = SchedulingPolicyNames.JoinIdleQueue }, 2, h.Time.GetUtcNow(), h.Time.GetUtcNow()));

        using var lease = await bound;
        Assert.NotSame(a.Instance, lease.Instance);
        Assert.Equal(SchedulingPolicyNames.JoinIdleQueue, h.Dispatcher.Scheduling().Policy);
    }

    [Fact]
    public async Task JoinIdleQueue_AWarmInstanceBeforeAFrozenOne_ThawOnlyWhenNoWarmSlot()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 1, MaxInstances = 3 });
        h.Dispatcher.SetProvision(1, idleMode: true);
        await DispatcherHarness.Until(() => h.Live.Any(i => i.State == "Frozen"), "frozen");
        var provisioned = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        await provisioned.PrepareAsync(CancellationToken.None); // thaws the provisioned one
        var onDemand = await h.Dispatcher.AcquireAsync(CancellationToken.None); // starts an on-demand one
        Assert.Equal(Arrival.Cold, onDemand.Arrival);
        provisioned.Dispose();
        onDemand.Dispose();
        await DispatcherHarness.Until(() => h.Live.Any(i => i.State == "Frozen"), "frozen again");

        using var warm = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        using var thawed = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        await thawed.PrepareAsync(CancellationToken.None);

        Assert.Same(onDemand.Instance, warm.Instance);
        Assert.Same(provisioned.Instance, thawed.Instance);
        Assert.Equal(Arrival.Thawed, thawed.Arrival);
        Assert.Equal(2, h.Live.Count); // nothing new started while a frozen slot was there
    }

    /// <summary>One instance whose cold start took 2 s (fake time) and a request history of <paramref name="service"/> each.</summary>
    private static async Task<(DispatcherHarness H, Lease Busy)> OneBusyInstance(TimeSpan service)
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 1, MaxInstances = 5 });
        h.Runtime.HoldStarts();
        var first = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();
        await DispatcherHarness.Until(() => h.Runtime.Launches.Count == 1, "launch");
        h.Time.Advance(TimeSpan.FromSeconds(2));
        h.Runtime.ReleaseStarts();
        var lease = await first;
        h.Time.Advance(service);
        lease.Dispose();
        return (h, await h.Dispatcher.AcquireAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Acquire_BusySlotFreesSoonerThanAColdStart_StartsNoInstanceUntilTheWaitProvesLonger()
    {
        var (h, busy) = await OneBusyInstance(TimeSpan.FromMilliseconds(100));

        var queued = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();

        Assert.Single(h.Live); // 100 ms for the busy slot beats a 2 s cold start
        Assert.False(queued.IsCompleted);
        h.Dispatcher.Tick(h.Time.GetUtcNow());
        Assert.Single(h.Live);
        h.Time.Advance(TimeSpan.FromSeconds(2.5));
        h.Dispatcher.Tick(h.Time.GetUtcNow());
        Assert.Equal(2, h.Live.Count); // it has waited longer than a cold start: one starts
        using var lease = await queued;
        Assert.NotSame(busy.Instance, lease.Instance);
        busy.Dispose();
    }

    [Fact]
    public async Task Acquire_BusySlotFreesLaterThanAColdStart_StartsAnInstanceAtOnce()
    {
        var (h, busy) = await OneBusyInstance(TimeSpan.FromSeconds(10));

        var queued = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();

        Assert.Equal(2, h.Live.Count); // started at once: 10 s for the busy slot, 2 s for a cold start
        using var lease = await queued;
        Assert.NotSame(busy.Instance, lease.Instance);
        busy.Dispose();
    }

    [Fact]
    public async Task Visibility_BusyTimeCompletedAndQueueWaitAddUp()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 1, MaxInstances = 1 });
        var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        h.Time.Advance(TimeSpan.FromMilliseconds(300));
        var b = h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();
        h.Time.Advance(TimeSpan.FromMilliseconds(200));
        a.Dispose();
        var lease = await b;
        h.Time.Advance(TimeSpan.FromMilliseconds(100));
        lease.Dispose();
        h.Time.Advance(TimeSpan.FromMilliseconds(400)); // idle: not busy time

        var instance = h.Live.Single();
        Assert.Equal(2, instance.Completed);
        Assert.Equal(600, instance.BusyMs);
        Assert.Equal(0.6, instance.BusyShare!.Value, 3);
        var (policy, waits) = h.Dispatcher.Scheduling();
        Assert.Equal(SchedulingPolicyNames.JoinIdleQueue, policy);
        Assert.Equal(2, waits!.Requests);
        Assert.Equal(2, waits.Waited); // the first waited for the cold start (0 ms of fake time)
        Assert.Equal(0, waits.P50Ms);
        Assert.Equal(200, waits.P90Ms);
        Assert.Equal(200, waits.MaxMs);
    }

    [Fact]
    public async Task Visibility_BusyTimeIncludesTheRequestInFlight()
    {
        var h = new DispatcherHarness();
        using var a = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        h.Time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(3000, h.Live.Single().BusyMs);
    }
}
