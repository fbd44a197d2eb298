using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Stasis.Server.Instances;
using Stasis.Server.Metering;

namespace Stasis.Tests.Instances;

/// <summary>
/// The instance state machine: the table of allowed transitions, walked; and, for random event sequences as the
/// dispatcher sends them, billing (the meter's state at every moment) equals what the state history says it must be.
/// </summary>
public sealed class InstanceLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Records the meter state per instant, as the events set it.</summary>
    private sealed class StateMeter : IInstanceMeter
    {
        public List<(DateTimeOffset At, string State)> Changes { get; } = [];

        public string? Current => Changes.Count == 0 ? null : Changes[^1].State;

        public void Started(MeteredInstance instance, DateTimeOffset at) => Changes.Add((at, "active"));

        public void Changed(string instanceId, MeterState state, DateTimeOffset at) => Changes.Add((at, state == MeterState.Active ? "active" : "idle"));

        public void Ended(string instanceId, DateTimeOffset at) => Changes.Add((at, "ended"));
    }

    private static (Instance Instance, StateMeter Meter) Ready(InstanceKind kind)
    {
        var meter = new StateMeter();
        var instance = new Instance("i-1", "f", 1, 2, T0, "/dev/null", kind, meter);
        instance.Spawned(new MeteredInstance("i-1", "f", kind, 1, 1, 0), T0);
        instance.Launched(null!, T0);
        instance.BecameReady(T0);
        instance.Settled(T0);
        return (instance, meter);
    }

    [Fact]
    public void The_table_allows_each_listed_transition_and_ends_in_stopped_or_failed()
    {
        Assert.Equal(Enum.GetValues<InstanceState>().Order(), Instance.Transitions.Keys.Order());
        Assert.Empty(Instance.Transitions[InstanceState.Stopped]);
        Assert.Empty(Instance.Transitions[InstanceState.Failed]);
        // Every state can end, and every live state can be drained.
        Assert.All(Instance.Transitions.Where(t => t.Key is not (InstanceState.Stopped or InstanceState.Failed)), t =>
        {
            Assert.Contains(InstanceState.Failed, t.Value);
            Assert.Contains(InstanceState.Stopped, t.Value);
        });
        Assert.All(Instance.Transitions.Where(t => t.Key.IsLive() && t.Key != InstanceState.Draining), t => Assert.Contains(InstanceState.Draining, t.Value));
    }

    [Fact]
    public void Walking_the_lifecycle_follows_the_table_and_an_illegal_event_throws()
    {
        var (instance, meter) = Ready(InstanceKind.OnDemand);
        instance.TakeSlot(T0.AddSeconds(1), 1);
        Assert.Equal(InstanceState.Busy, instance.State);
        instance.ReleaseSlot(T0.AddSeconds(2), 1);
        instance.Settled(T0.AddSeconds(2));
        instance.Froze(T0.AddSeconds(3));
        Assert.Equal(InstanceState.Frozen, instance.State);
        instance.TakeSlot(T0.AddSeconds(4), 4); // a request thaws it
        Assert.Equal(InstanceState.Thawing, instance.State);
        instance.Thawed(T0.AddSeconds(4));
        Assert.Equal(InstanceState.Busy, instance.State);
        instance.ReleaseSlot(T0.AddSeconds(5), 1);
        instance.Drain(T0.AddSeconds(6));
        instance.Stopped(T0.AddSeconds(7));

        Assert.Equal(["active", "idle", "active", "idle", "idle", "active", "ended"], meter.Changes.Select(c => c.State)); // the meter ignores a repeated state
        var e = Assert.Throws<InvalidOperationException>(() => instance.TakeSlot(T0.AddSeconds(8), 8));
        Assert.Equal("instance i-1 cannot go from Stopped to Busy", e.Message);
        Assert.Throws<InvalidOperationException>(() => instance.BecameReady(T0.AddSeconds(8)));
    }

    public enum Step
    {
        Take,
        Release,
        Freeze,
        Drain,
        Fail,
        Wait,
    }

    [Property(MaxTest = 300)]
    public void Any_event_sequence_bills_what_the_states_say(bool provisioned, Step[] steps)
    {
        var kind = provisioned ? InstanceKind.Provisioned : InstanceKind.OnDemand;
        var (instance, meter) = Ready(kind);
        var at = T0;
        long ticks = 0;
        foreach (var step in steps)
        {
            at = at.AddMilliseconds(250);
            ticks++;
            var live = instance.State.CanServe();
            switch (step)
            {
                // As the dispatcher sends them: a slot is taken only on a serving instance with one free...
                case Step.Take when live && instance.FreeSlots > 0:
                    instance.TakeSlot(at, ticks);
                    if (instance.PhysicallyFrozen)
                    {
                        instance.Thawed(at);
                    }

                    break;
                // ...given back only when held, and the instance settles once none is held...
                case Step.Release when instance.InFlight > 0:
                    instance.ReleaseSlot(at, 1);
                    instance.Settled(at);
                    break;
                // ...frozen only in idle mode, ready and without a request.
                case Step.Freeze when instance.State == InstanceState.Ready && instance.InFlight == 0:
                    instance.Froze(at);
                    break;
                case Step.Drain when live:
                    instance.Drain(at);
                    break;
                case Step.Fail when instance.State.IsLive():
                    instance.Failed("crashed", at);
                    break;
            }

            Assert.Equal(Expected(instance, kind, meter.Current), meter.Current);
        }
    }

    // What billing must be for the state the instance is in (a draining instance keeps what it had).
    private static string? Expected(Instance instance, InstanceKind kind, string? current) => instance.State switch
    {
        InstanceState.Stopped or InstanceState.Failed => "ended",
        InstanceState.Busy or InstanceState.Thawing => "active",
        InstanceState.Frozen => "idle",
        InstanceState.Ready => kind == InstanceKind.OnDemand ? "idle" : "active",
        _ => current,
    };
}
