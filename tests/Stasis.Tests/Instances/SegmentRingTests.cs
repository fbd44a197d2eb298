using Stasis.Server.Instances;

namespace Stasis.Tests.Instances;

/// <summary>The ring a timeline keeps its segments in: contiguous segments in, the same segments out, the oldest dropped.</summary>
public sealed class SegmentRingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SegmentsComeBackAsTheyWentIn_OldestFirst()
    {
        var ring = new SegmentRing(100);
        var segments = Contiguous(20);
        foreach (var s in segments)
        {
            ring.Add(s);
        }

        Assert.Equal(segments, Enumerable.Range(0, ring.Count).Select(i => ring[i]));
        Assert.Equal(segments[^1], ring.Last);
    }

    [Fact]
    public void Full_DropsTheOldest_AndTheNextStartsWhereItEnded()
    {
        var ring = new SegmentRing(8);
        var segments = Contiguous(21);
        foreach (var s in segments)
        {
            ring.Add(s);
        }

        Assert.Equal(8, ring.Count);
        Assert.Equal(segments.TakeLast(8), Enumerable.Range(0, ring.Count).Select(i => ring[i]));
    }

    [Fact]
    public void ChangingTheLast_MovesItsEndAndState_AndTrimmingKeepsEverything()
    {
        var ring = new SegmentRing(64);
        var segments = Contiguous(10);
        foreach (var s in segments)
        {
            ring.Add(s);
        }

        ring.Last = ring.Last with { State = TimelineState.Busy, To = T0.AddSeconds(100) };
        ring.DropOldest();
        ring.TrimExcess();
        ring.Add(new TimelineSegment(TimelineState.Frozen, T0.AddSeconds(100), T0.AddSeconds(101)));

        Assert.Equal(10, ring.Count);
        Assert.Equal(segments[1], ring[0]);
        Assert.Equal(new TimelineSegment(TimelineState.Busy, segments[9].From, T0.AddSeconds(100)), ring[8]);
        Assert.Equal(TimelineState.Frozen, ring.Last.State);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring[10]);
    }

    private static List<TimelineSegment> Contiguous(int count) =>
        Enumerable.Range(0, count)
            .Select(i => new TimelineSegment(i % 2 == 0 ? TimelineState.Frozen : TimelineState.Thawing, T0.AddMilliseconds(i * 10), T0.AddMilliseconds((i + 1) * 10)))
            .ToList();
}
