using Stasis.Server.Runtime;
using Stasis.Server.Scheduling;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Scheduling;

public sealed class ProvisionedIdleModeTests
{
    [Fact]
    public async Task SetProvision_Target2IdleMode_TwoReadyFrozenInstances()
    {
        var h = new DispatcherHarness();

        h.Dispatcher.SetProvision(2, idleMode: true);
        await DispatcherHarness.Until(() => h.Live.Count(i => i.State == "Frozen") == 2, "two frozen provisioned instances");

        var state = h.Dispatcher.ProvisionState();
        Assert.Equal(2, state.Target);
        Assert.Equal(2, state.Current);
        Assert.Equal(2, state.Frozen);
        Assert.All(h.Live, i => Assert.Equal("provisioned", i.Kind));
        Assert.All(h.Runtime.Instances.Values, i => Assert.True(i.Frozen));
    }

    [Fact]
    public async Task SetProvision_StartFails_CurrentErrorShownAndRetriedAfterBackOff_ThenClearedWhenOneIsReady()
    {
        var h = new DispatcherHarness();
        h.Runtime.FailStartsWith = "exited with code 3";

        h.Dispatcher.SetProvision(1, idleMode: false);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().CurrentError is not null, "the failure is reported");
        Assert.Contains("exited with code 3", h.Dispatcher.ProvisionState().CurrentError);

        h.Runtime.FailStartsWith = null;
        h.Dispatcher.Tick(h.Time.GetUtcNow());
        Assert.Single(h.Runtime.Launches); // no retry before the back-off

        h.Time.Advance(TimeSpan.FromSeconds(2));
        h.Dispatcher.Tick(h.Time.GetUtcNow());
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Current == 1, "the retry is ready");

        Assert.Null(h.Dispatcher.ProvisionState().CurrentError);
        Assert.Equal(2, h.Runtime.Launches.Count);
    }

    [Fact]
    public async Task Acquire_FrozenInstance_IsThawedBeforeTheRequestAndFrozenAgainAfter()
    {
        var h = new DispatcherHarness();
        h.Dispatcher.SetProvision(1, idleMode: true);
        await DispatcherHarness.Until(() => h.Live.Any(i => i.State == "Frozen"), "frozen");

        var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        await lease.PrepareAsync(CancellationToken.None);

        var fake = h.Runtime.Instances[lease.Instance.Id];
        Assert.False(fake.Frozen);
        Assert.Equal(Arrival.Thawed, lease.Arrival);
        Assert.Equal(1, fake.Thaws);
        lease.Dispose();
        await DispatcherHarness.Until(() => fake.Frozen && h.Live.Single().State == "Frozen", "frozen again");
        Assert.Equal(["started Provisioned", "Idle", "Active", "Idle"], h.Meter.For(lease.Instance.Id));
    }

    [Fact]
    public async Task Acquire_AlwaysAllocated_NeverFreezesAndStaysActive()
    {
        var h = new DispatcherHarness();
        h.Dispatcher.SetProvision(1, idleMode: false);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Current == 1, "one provisioned instance");

        using (var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None))
        {
            await lease.PrepareAsync(CancellationToken.None);
            Assert.Equal(Arrival.Warm, lease.Arrival);
        }

        Assert.Equal("Ready", h.Live.Single().State);
        Assert.Equal(0, h.Runtime.Instances.Values.Single().Freezes);
        Assert.Equal(["started Provisioned"], h.Meter.For(h.Live.Single().Id));
    }

    [Fact]
    public async Task Acquire_ProvisionedInstancesAreUsedBeforeOnDemandOnes()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 1 });
        h.Dispatcher.SetProvision(1, idleMode: true);
        await DispatcherHarness.Until(() => h.Live.Any(i => i.State == "Frozen"), "frozen");

        using var first = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        using var second = await h.Dispatcher.AcquireAsync(CancellationToken.None);

        Assert.Equal("provisioned", first.Instance.ToInfo().Kind);
        Assert.Equal("on-demand", second.Instance.ToInfo().Kind);
        Assert.Equal(Arrival.Cold, second.Arrival);
    }

    [Fact]
    public async Task Tick_ProvisionedInstancesAreNotReapedForIdleness()
    {
        var h = new DispatcherHarness(idleTimeout: TimeSpan.FromSeconds(1));
        h.Dispatcher.SetProvision(1, idleMode: false);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Current == 1, "ready");

        h.Time.Advance(TimeSpan.FromHours(1));
        h.Dispatcher.Tick(h.Time.GetUtcNow());

        Assert.Single(h.Live);
    }

    [Fact]
    public async Task SetProvision_TargetZero_DrainsThemAndCurrentFallsToZero()
    {
        var h = new DispatcherHarness();
        h.Dispatcher.SetProvision(2, idleMode: true);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Frozen == 2, "two frozen");

        h.Dispatcher.SetProvision(0, idleMode: true);
        await DispatcherHarness.Until(() => h.Live.Count == 0, "released");

        Assert.Equal(0, h.Dispatcher.ProvisionState().Current);
        Assert.All(h.Runtime.Instances.Values, i => Assert.True(i.Stopped));
    }

    [Fact]
    public async Task SetProvision_SwitchIdleModeOff_RotatesWithReplacementsReadyFirst()
    {
        var h = new DispatcherHarness();
        h.Dispatcher.SetProvision(1, idleMode: true);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Frozen == 1, "frozen");
        var old = h.Live.Single().Id;

        h.Runtime.HoldStarts();
        h.Dispatcher.SetProvision(1, idleMode: false);
        await DispatcherHarness.Until(() => h.Runtime.Launches.Count == 2, "a replacement starts");
        Assert.Contains(h.Live, i => i.Id == old && i.State == "Frozen"); // still there while the new one starts

        h.Runtime.ReleaseStarts();
        await DispatcherHarness.Until(() => h.Live.Count == 1 && h.Live[0].Id != old && h.Live[0].State == "Ready", "rotated");
        Assert.True(h.Runtime.Instances[old].Stopped);
    }

    [Fact]
    public async Task Freeze_Fails_InstanceStaysWarmAndServes()
    {
        var h = new DispatcherHarness();
        h.Runtime.FailFreezesWith = "freezer unavailable";
        h.Dispatcher.SetProvision(1, idleMode: true);
        await DispatcherHarness.Until(() => h.Lines.Any(l => l.Contains("could not be frozen", StringComparison.Ordinal)), "the failure is logged");

        using var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        await lease.PrepareAsync(CancellationToken.None);

        Assert.Equal(Arrival.Warm, lease.Arrival);
        Assert.DoesNotContain("Idle", h.Meter.For(lease.Instance.Id));
    }

    [Fact]
    public async Task Thaw_Fails_InstanceLeavesThePoolAndTheRequestGetsAnotherInstance()
    {
        var h = new DispatcherHarness();
        h.Dispatcher.SetProvision(1, idleMode: true);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Frozen == 1, "frozen");
        var dead = h.Live.Single().Id;
        h.Runtime.FailThawsWith = "process gone";

        var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        Assert.Equal(dead, lease.Instance.Id);
        await Assert.ThrowsAsync<InstanceFreezeException>(() => lease.PrepareAsync(CancellationToken.None).AsTask());
        lease.Dispose();
        h.Runtime.FailThawsWith = null;
        using var retry = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        await retry.PrepareAsync(CancellationToken.None);

        Assert.NotEqual(dead, retry.Instance.Id);
        var failed = h.Dispatcher.Snapshot(true).Single(i => i.Id == dead);
        Assert.Equal("Failed", failed.State);
        Assert.Contains("thaw failed: process gone", failed.Error);
        Assert.Contains("ended", h.Meter.For(dead));
    }

    [Fact]
    public async Task AcquireReady_AThawThatFails_IsReroutedToAnotherInstanceAndLogged()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 1, MaxInstances = 2 });
        h.Dispatcher.SetProvision(2, idleMode: true);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Frozen == 2, "two frozen");
        h.Runtime.FailNextThaws = 1;

        using var lease = await h.Dispatcher.AcquireReadyAsync(new ReadyRequest("req-1"), Timeout.InfiniteTimeSpan, CancellationToken.None);

        // The other frozen one thawed, or the failed one's replacement if it was ready first: either way another instance.
        Assert.Contains(lease.Arrival, new[] { Arrival.Thawed, Arrival.Warm });
        Assert.Contains(h.Lines, l => l.StartsWith("FC Invoke Reroute RequestId: req-1: ", StringComparison.Ordinal));
        var failed = Assert.Single(h.Dispatcher.Snapshot(true), i => i.State == "Failed");
        Assert.NotEqual(failed.Id, lease.InstanceId);
    }

    [Fact]
    public async Task AcquireReady_EveryThawFails_IsInstanceUnavailableAndHoldsNothing()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 1, MaxInstances = 3 });
        h.Dispatcher.SetProvision(3, idleMode: true);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Frozen == 3, "three frozen");
        h.Runtime.FailNextThaws = FunctionDispatcher.ThawAttempts;

        var e = await Assert.ThrowsAsync<DispatchException>(() => h.Dispatcher.AcquireReadyAsync(new ReadyRequest("req-2"), Timeout.InfiniteTimeSpan, CancellationToken.None).AsTask());

        Assert.Equal(("InstanceUnavailable", 503), (e.Code, e.StatusCode));
        Assert.Equal(FunctionDispatcher.ThawAttempts - 1, h.Lines.Count(l => l.StartsWith("FC Invoke Reroute RequestId: req-2", StringComparison.Ordinal)));
        Assert.All(h.Dispatcher.Snapshot(false), i => Assert.Equal(0, i.InFlight));
    }
}
