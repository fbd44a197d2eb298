using Stasis.Tests.TestKit;

namespace Stasis.Tests.Scheduling;

/// <summary>The dispatcher writes each instance's state timeline as it drives it, on its own clock.</summary>
public sealed class InstanceTimelineTests
{
    [Fact]
    public async Task Timeline_IdleModeRequest_IsFrozenThenThawingThenBusyThenFrozenAgain()
    {
        var h = new DispatcherHarness();
        h.Dispatcher.SetProvision(1, idleMode: true);
        await DispatcherHarness.Until(() => h.Live.Any(i => i.State == "Frozen"), "frozen");
        h.Time.Advance(TimeSpan.FromSeconds(10));

        var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        Assert.Equal("Thawing", h.Live.Single().State); // took a slot; its processes are still stopped
        h.Time.Advance(TimeSpan.FromMilliseconds(300));
        await lease.PrepareAsync(CancellationToken.None);
        Assert.Equal("Busy", h.Live.Single().State);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        lease.Dispose();
        await DispatcherHarness.Until(() => h.Live.Single().State == "Frozen", "frozen again");
        h.Time.Advance(TimeSpan.FromSeconds(5));

        var now = h.Time.GetUtcNow();
        var timeline = Assert.Single(h.Dispatcher.Timeline(now.AddHours(-1), now));

        Assert.Equal((lease.Instance.Id, "provisioned", "frozen"), (timeline.InstanceId, timeline.Kind, timeline.State));
        Assert.Equal(["starting", "initializing", "warm", "frozen", "thawing", "busy", "frozen"], timeline.Segments.Select(s => s.State));
        var thawing = timeline.Segments.Single(s => s.State == "thawing");
        Assert.Equal(TimeSpan.FromMilliseconds(300), thawing.To - thawing.From);
        Assert.Equal(TimeSpan.FromSeconds(2), timeline.Segments[5].To - timeline.Segments[5].From);
        Assert.Equal(now, timeline.Segments[^1].To);
        Assert.All(timeline.Segments.Zip(timeline.Segments.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From));
    }

    [Fact]
    public async Task Timeline_AnInstanceStoppedForIdleness_IsThereUntilItEndedBeforeTheWindow()
    {
        var h = new DispatcherHarness(idleTimeout: TimeSpan.FromMinutes(1));
        using (var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None))
        {
            h.Time.Advance(TimeSpan.FromSeconds(3));
        }

        h.Time.Advance(TimeSpan.FromMinutes(2));
        h.Dispatcher.Tick(h.Time.GetUtcNow());
        await DispatcherHarness.Until(() => h.Live.Count == 0, "stopped for idleness");
        var stoppedAt = h.Time.GetUtcNow();
        h.Time.Advance(TimeSpan.FromMinutes(10));
        var now = h.Time.GetUtcNow();

        var timeline = Assert.Single(h.Dispatcher.Timeline(now.AddHours(-1), now));
        Assert.Equal(("on-demand", "stopped"), (timeline.Kind, timeline.State));
        Assert.Equal(["starting", "initializing", "busy", "warm", "draining", "stopped"], timeline.Segments.Select(s => s.State));
        Assert.Equal((stoppedAt, stoppedAt), (timeline.Segments[^1].From, timeline.Segments[^1].To));
        Assert.Empty(h.Dispatcher.Timeline(now.AddMinutes(-5), now));
    }
}
