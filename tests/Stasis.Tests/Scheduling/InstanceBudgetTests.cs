using Microsoft.Extensions.Time.Testing;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Scheduling;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Scheduling;

/// <summary>The server-wide cap on live instances (--max-instances-total), shared by every function's dispatcher.</summary>
public sealed class InstanceBudgetTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryTake_UpToTheLimit_ThenReturnMakesRoom()
    {
        var budget = new InstanceBudget(2);

        Assert.True(budget.TryTake());
        Assert.True(budget.TryTake());
        Assert.False(budget.TryTake());
        budget.Return();

        Assert.True(budget.TryTake());
        Assert.Equal(2, budget.Live);
    }

    [Fact]
    public async Task TryTake_ManyThreadsAtOnce_NeverTakeMoreThanTheLimit()
    {
        var budget = new InstanceBudget(100);
        var taken = 0;
        using var start = new Barrier(8);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 1000; i++)
            {
                if (budget.TryTake())
                {
                    Interlocked.Increment(ref taken);
                }
            }
        }, TaskCreationOptions.LongRunning)));

        Assert.Equal(100, taken);
        Assert.Equal(100, budget.Live);
    }

    [Fact]
    public async Task Acquire_ServerFull_RequestWaitsWithoutAStart_ThenStartsWhenAnotherFunctionsInstanceStops()
    {
        var budget = new InstanceBudget(1);
        var a = Harness("a", budget);
        var b = Harness("b", budget);
        (await a.Dispatcher.AcquireAsync(CancellationToken.None)).Dispose();

        var waiting = b.Dispatcher.AcquireAsync(CancellationToken.None).AsTask();

        Assert.False(waiting.IsCompleted);
        Assert.Empty(b.Runtime.Launches);
        Assert.Equal(1, b.Dispatcher.Status().Queued);
        Assert.Equal("the server already runs 1 instances, its limit (--max-instances-total, limits.maxInstancesTotal)", b.Dispatcher.StartRefusal());

        _time.Advance(TimeSpan.FromMinutes(6)); // a's instance idles out and gives its place back
        a.Dispatcher.Tick(_time.GetUtcNow());
        await DispatcherHarness.Until(() => budget.Live == 0, "a's instance has stopped");
        b.Dispatcher.Tick(_time.GetUtcNow());

        using var lease = await waiting.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Single(b.Runtime.Launches);
        Assert.Null(b.Dispatcher.StartRefusal());
        Assert.Equal(1, budget.Live);
    }

    [Fact]
    public async Task Acquire_ServerFullAndQueueFull_The429SaysTheServerLimitKeepsInstancesFromStarting()
    {
        var budget = new InstanceBudget(1);
        var a = Harness("a", budget);
        var b = Harness("b", budget, new DispatcherHarness().Spec with { FunctionName = "b", MaxQueueLength = 1 });
        (await a.Dispatcher.AcquireAsync(CancellationToken.None)).Dispose();
        using var cancel = new CancellationTokenSource();
        var waiting = b.Dispatcher.AcquireAsync(cancel.Token).AsTask();

        var e = await Assert.ThrowsAsync<DispatchException>(() => b.Dispatcher.AcquireAsync(CancellationToken.None).AsTask());

        Assert.Equal((429, "QueueFull"), (e.StatusCode, e.Code));
        Assert.Contains("no instance can start for them: the server already runs 1 instances, its limit (--max-instances-total", e.Message);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task SetProvision_TargetBeyondTheServerLimit_CurrentStaysBelowWithTheReason_ThenCatchesUp()
    {
        var budget = new InstanceBudget(3);
        var other = Harness("other", budget);
        var h = Harness("fn", budget);
        (await other.Dispatcher.AcquireAsync(CancellationToken.None)).Dispose();

        h.Dispatcher.SetProvision(3, idleMode: false);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Current == 2, "two provisioned instances");

        var state = h.Dispatcher.ProvisionState();
        Assert.Equal(3, state.Target);
        Assert.Equal("1 of the target's instances cannot start: the server already runs 3 instances, its limit (--max-instances-total, limits.maxInstancesTotal)", state.CurrentError);
        Assert.Equal(2, h.Runtime.Launches.Count);

        _time.Advance(TimeSpan.FromMinutes(6));
        other.Dispatcher.Tick(_time.GetUtcNow());
        await DispatcherHarness.Until(() => budget.Live == 2, "the other function's instance has stopped");
        h.Dispatcher.Tick(_time.GetUtcNow());

        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Current == 3, "the third provisioned instance");
        Assert.Null(h.Dispatcher.ProvisionState().CurrentError);
        Assert.Equal(3, budget.Live);
    }

    [Fact]
    public async Task Update_ServerFull_OldInstanceKeepsServingAndTheRolloutErrorNamesTheLimit()
    {
        var budget = new InstanceBudget(1);
        var h = Harness("fn", budget);
        (await h.Dispatcher.AcquireAsync(CancellationToken.None)).Dispose();
        var old = h.Live.Single();

        h.Dispatcher.Update(new FunctionRecord(h.Spec with { Description = "v2" }, 2, _time.GetUtcNow(), _time.GetUtcNow()));

        Assert.Contains("1 instances of version 2 cannot start, so older ones keep serving: the server already runs 1 instances", h.Dispatcher.Status().RolloutError);
        using var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        Assert.Equal(old.Id, lease.Instance.Id);
        Assert.Single(h.Runtime.Launches);
    }

    [Fact]
    public async Task EveryWayOut_GivesThePlaceBack_StartFailure_Crash_AndClose()
    {
        var budget = new InstanceBudget(10);
        var h = Harness("fn", budget);

        h.Runtime.FailStartsWith = "exited with code 3";
        await Assert.ThrowsAsync<DispatchException>(() => h.Dispatcher.AcquireAsync(CancellationToken.None).AsTask());
        await DispatcherHarness.Until(() => budget.Live == 0, "the failed start gave its place back");

        h.Runtime.FailStartsWith = null;
        var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        Assert.Equal(1, budget.Live);
        h.Runtime.Instances[lease.Instance.Id].Crash();
        await DispatcherHarness.Until(() => budget.Live == 0, "the crashed instance gave its place back");
        lease.Dispose();

        h.Dispatcher.SetProvision(2, idleMode: false);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Current == 2, "two provisioned instances");
        Assert.Equal(2, budget.Live);
        await h.Dispatcher.CloseAsync("is stopping", TimeSpan.FromSeconds(5));

        Assert.Equal(0, budget.Live);
    }

    private DispatcherHarness Harness(string name, InstanceBudget budget, FunctionSpec? spec = null) =>
        new(spec ?? new DispatcherHarness().Spec with { FunctionName = name }, idleTimeout: TimeSpan.FromMinutes(5), budget: budget, time: _time);
}
