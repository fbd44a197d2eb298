using Stasis.Server.Instances;

namespace Stasis.Tests.Instances;

/// <summary>An instance's state timeline: warm/busy flips merged to one second, busy winning; every other state kept.</summary>
public sealed class StateTimelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Read_ALifeOfLongStates_IsEveryStateContiguously_EndingNow()
    {
        var t = Started();
        t.Enter(TimelineState.Initializing, At(2));
        t.Enter(TimelineState.Warm, At(3));
        t.Enter(TimelineState.Busy, At(10));
        t.Enter(TimelineState.Warm, At(15));

        Assert.Equal([("starting", 0.0, 2.0), ("initializing", 2, 3), ("warm", 3, 10), ("busy", 10, 15), ("warm", 15, 20)], Read(t, 0, 20));
        Assert.Equal(TimelineState.Warm, t.State);
        Assert.Null(t.EndedAt);
    }

    [Fact]
    public void Enter_ThousandsOfShortFlipsUnderLoad_MergeIntoOneBusySegment()
    {
        var t = Warm();
        // From 10 s to 70 s: 10 ms busy, 2 ms warm, again and again (5000 requests).
        var at = 10.0;
        for (var i = 0; i < 5000; i++)
        {
            t.Enter(TimelineState.Busy, At(at));
            t.Enter(TimelineState.Warm, At(at + 0.010));
            at += 0.012;
        }

        var segments = Read(t, 0, 100);

        Assert.Equal(3, segments.Count);
        Assert.Equal(("warm", 0.0), (segments[0].State, segments[0].From));
        Assert.Equal(("busy", 10.0), (segments[1].State, segments[1].From));
        Assert.InRange(segments[1].To, 69.9, 71);
        Assert.Equal(("warm", segments[1].To, 100.0), segments[2]);
        Assert.True(t.Count <= 3);
    }

    [Fact]
    public void Enter_OneShortRequestInAQuietMinute_IsOneSecondOfBusyBetweenWarm()
    {
        var t = Warm();
        t.Enter(TimelineState.Busy, At(30));
        t.Enter(TimelineState.Warm, At(30.010));

        Assert.Equal([("warm", 0.0, 30.0), ("busy", 30, 31), ("warm", 31, 60)], Read(t, 0, 60));
        // Read while the second is not over yet: the busy piece takes the warm time so far.
        Assert.Equal([("warm", 0.0, 30.0), ("busy", 30, 30.5)], Read(t, 0, 30.5));
    }

    [Fact]
    public void Enter_ShortWarmBetweenBusy_IsBusy()
    {
        var t = Warm();
        t.Enter(TimelineState.Busy, At(10));
        t.Enter(TimelineState.Warm, At(12));
        t.Enter(TimelineState.Busy, At(12.3));
        t.Enter(TimelineState.Warm, At(20));

        Assert.Equal([("warm", 0.0, 10.0), ("busy", 10, 20), ("warm", 20, 30)], Read(t, 0, 30));
    }

    [Fact]
    public void Enter_FrozenThawingAndOtherStates_AreKeptHoweverShort()
    {
        var t = Warm();
        t.Enter(TimelineState.Frozen, At(1));
        t.Enter(TimelineState.Thawing, At(5));
        t.Enter(TimelineState.Busy, At(5.002));
        t.Enter(TimelineState.Warm, At(5.020));
        t.Enter(TimelineState.Frozen, At(5.020));
        t.Enter(TimelineState.Thawing, At(5.5));
        t.Enter(TimelineState.Busy, At(5.501));
        t.Enter(TimelineState.Draining, At(5.6));

        Assert.Equal(
            [("warm", 0.0, 1.0), ("frozen", 1, 5), ("thawing", 5, 5.002), ("busy", 5.002, 5.020), ("frozen", 5.020, 5.5),
             ("thawing", 5.5, 5.501), ("busy", 5.501, 5.6), ("draining", 5.6, 8)],
            Read(t, 0, 8));
    }

    [Fact]
    public void Enter_AShortRequestRightBeforeAFreeze_KeepsItsOwnLength()
    {
        var t = Warm();
        t.Enter(TimelineState.Busy, At(10));
        t.Enter(TimelineState.Warm, At(10.2));
        t.Enter(TimelineState.Busy, At(20));
        t.Enter(TimelineState.Warm, At(20.1));
        t.Enter(TimelineState.Frozen, At(20.1));

        Assert.Equal([("warm", 0.0, 10.0), ("busy", 10, 11), ("warm", 11, 20), ("busy", 20, 20.1), ("frozen", 20.1, 25)], Read(t, 0, 25));
    }

    [Fact]
    public void Enter_AShortWarmAfterBusyBeforeAFreeze_JoinsTheBusy()
    {
        var t = Warm();
        t.Enter(TimelineState.Busy, At(10));
        t.Enter(TimelineState.Warm, At(12));
        t.Enter(TimelineState.Frozen, At(12.2));

        Assert.Equal([("warm", 0.0, 10.0), ("busy", 10, 12.2), ("frozen", 12.2, 20)], Read(t, 0, 20));
    }

    [Fact]
    public void Read_AnInstanceThatFailedWhileServing_EndsWithTheFailure()
    {
        var t = Warm();
        t.Enter(TimelineState.Busy, At(10));
        t.Enter(TimelineState.Failed, At(10.5));

        Assert.Equal([("warm", 0.0, 10.0), ("busy", 10, 10.5), ("failed", 10.5, 10.5)], Read(t, 0, 60));
    }

    [Fact]
    public void Read_AnEndedInstance_EndsWithTheMomentItStopped()
    {
        var t = Warm();
        t.Enter(TimelineState.Draining, At(10));
        t.Enter(TimelineState.Stopped, At(12));
        t.Enter(TimelineState.Warm, At(13)); // nothing after the end

        Assert.Equal([("warm", 0.0, 10.0), ("draining", 10, 12), ("stopped", 12, 12)], Read(t, 0, 60));
        Assert.Equal(At(12), t.EndedAt);
        Assert.Equal(TimelineState.Stopped, t.State);
    }

    [Fact]
    public void Read_IsCutToTheWindow_AndChangesNothing()
    {
        var t = Warm();
        t.Enter(TimelineState.Busy, At(10));
        t.Enter(TimelineState.Warm, At(20));
        t.Enter(TimelineState.Frozen, At(30));

        Assert.Equal([("busy", 15.0, 20.0), ("warm", 20, 25)], Read(t, 15, 25));
        Assert.Equal([("frozen", 35.0, 40.0)], Read(t, 35, 40));
        Assert.Equal(Read(t, 0, 40), Read(t, 0, 40));
    }

    [Fact]
    public void Enter_SameStateOrAnEarlierTime_ChangesNothingOrCountsAsTheLastChange()
    {
        var t = Warm();
        t.Enter(TimelineState.Warm, At(5));
        t.Enter(TimelineState.Frozen, At(10));
        t.Enter(TimelineState.Draining, At(8)); // a clock that stepped back

        Assert.Equal([("warm", 0.0, 10.0), ("frozen", 10, 10), ("draining", 10, 12)], Read(t, 0, 12));
    }

    [Fact]
    public void Enter_SegmentsThatEndedMoreThanAnHourAgo_AreDropped()
    {
        var t = Warm();
        t.Enter(TimelineState.Frozen, At(10));
        t.Enter(TimelineState.Thawing, At(20));
        t.Enter(TimelineState.Busy, At(21));
        t.Enter(TimelineState.Frozen, At(3700));
        t.Enter(TimelineState.Thawing, At(7301)); // what ended before 3701 s ended over an hour ago

        var segments = Read(t, 0, 8000);

        Assert.Equal([("frozen", 3700.0, 7301.0), ("thawing", 7301, 8000)], segments);
    }

    [Fact]
    public void Enter_ManyKeptTransitions_KeepsAtMostMaxSegments()
    {
        var t = Warm();
        var at = 1.0;
        for (var i = 0; i < StateTimeline.MaxSegments * 2; i++)
        {
            t.Enter(i % 2 == 0 ? TimelineState.Frozen : TimelineState.Thawing, At(at));
            at += 0.01;
        }

        Assert.Equal(StateTimeline.MaxSegments, t.Count);
        var segments = Read(t, 0, at);
        Assert.Equal(StateTimeline.MaxSegments + 1, segments.Count); // and the current state
        Assert.All(segments.Zip(segments.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From));
    }

    [Fact]
    public void Enter_RandomFlips_StayContiguous_AtLeastASecondEach_AndBusyNeverShrinks()
    {
        // Random flips: the merged timeline covers the same time without gaps, and never has less busy time.
        var random = new Random(7);
        var t = Warm();
        var at = 0.0;
        var busy = 0.0;
        var state = TimelineState.Warm;
        for (var i = 0; i < 10_000; i++) // about 45 minutes: all of it kept
        {
            var length = random.NextDouble() < 0.9 ? random.NextDouble() * 0.05 : random.NextDouble() * 5;
            busy += state == TimelineState.Busy ? length : 0;
            at += length;
            state = state == TimelineState.Busy ? TimelineState.Warm : TimelineState.Busy;
            t.Enter(state, At(at));
        }

        var segments = Read(t, 0, at);

        Assert.Equal(0, segments[0].From);
        Assert.Equal(at, segments[^1].To, 6);
        Assert.All(segments.Zip(segments.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From));
        Assert.All(segments.Zip(segments.Skip(1)), pair => Assert.NotEqual(pair.First.State, pair.Second.State));
        Assert.All(segments.SkipLast(1), s => Assert.True(s.To - s.From >= 0.999, $"{s} is shorter than the resolution"));
        Assert.True(segments.Where(s => s.State == "busy").Sum(s => s.To - s.From) >= busy - 0.001);
    }

    private static StateTimeline Started() => new(TimelineState.Starting, T0);

    private static StateTimeline Warm() => new(TimelineState.Warm, T0);

    private static DateTimeOffset At(double seconds) => T0.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    private static List<(string State, double From, double To)> Read(StateTimeline t, double from, double to) =>
        t.Read(At(from), At(to)).Select(s => (s.State.Name(), Seconds(s.From), Seconds(s.To))).ToList();

    private static double Seconds(DateTimeOffset t) => Math.Round((t - T0).TotalSeconds, 6);
}
