using Stasis.Client.Model;
using Stasis.Server.Scheduling;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Scheduling;

/// <summary>Session lifetimes in the dispatcher, on fake time: TTL, idle timeout, a request in flight, id reuse, a lost instance.</summary>
public sealed class SessionDispatchTests
{
    private static DispatcherHarness Harness(SessionAffinityConfig config, int maxInstances = 3) =>
        new(new DispatcherHarness().Spec with
        {
            InstanceConcurrency = 2,
            MaxInstances = maxInstances,
            SessionAffinity = SessionAffinityTypes.HeaderField,
            SessionAffinityConfig = config with { AffinityHeaderFieldName = "x-session" },
        });

    private static async Task<Lease> Acquire(DispatcherHarness h, string? id) =>
        await h.Dispatcher.AcquireSessionAsync(id, SessionAsk.Bind, heldByStream: false, CancellationToken.None);

    private static void Done(DispatcherHarness h, Lease lease)
    {
        h.Dispatcher.SessionDone(lease.Session!, end: false);
        lease.Dispose();
    }

    [Fact]
    public async Task An_idle_session_ends_after_its_idle_timeout_but_never_while_a_request_runs()
    {
        var h = Harness(new SessionAffinityConfig { SessionIdleTimeoutInSeconds = 60 });
        var first = await Acquire(h, "a");
        var home = first.Instance;

        h.Time.Advance(TimeSpan.FromSeconds(120)); // a long request: the session is busy, not idle
        h.Dispatcher.Tick(h.Time.GetUtcNow());
        Assert.Equal(1, h.Dispatcher.SessionCount());
        Done(h, first);

        h.Time.Advance(TimeSpan.FromSeconds(59));
        var within = await Acquire(h, "a");
        Assert.Same(home, within.Instance);
        Assert.False(within.SessionIsNew);
        Done(h, within);

        h.Time.Advance(TimeSpan.FromSeconds(60));
        h.Dispatcher.Tick(h.Time.GetUtcNow());
        Assert.Equal(0, h.Dispatcher.SessionCount());
        Assert.Equal(0, h.Live.Single(i => i.Id == home.Id).Sessions);
    }

    [Fact]
    public async Task A_session_ends_at_its_ttl_however_busy_and_its_id_opens_a_new_one()
    {
        var h = Harness(new SessionAffinityConfig { SessionTtlInSeconds = 300, SessionIdleTimeoutInSeconds = 0 });
        for (var i = 0; i < 5; i++)
        {
            Done(h, await Acquire(h, "a"));
            h.Time.Advance(TimeSpan.FromSeconds(59));
        }

        h.Time.Advance(TimeSpan.FromSeconds(10)); // 305 s since it began
        var after = await Acquire(h, "a");

        Assert.True(after.SessionIsNew);
        Done(h, after);
    }

    [Fact]
    public async Task With_reuse_disabled_an_ended_sessions_id_is_refused()
    {
        var h = Harness(new SessionAffinityConfig { SessionIdleTimeoutInSeconds = 10, DisableSessionIdReuse = true });
        Done(h, await Acquire(h, "a"));
        h.Time.Advance(TimeSpan.FromSeconds(11));

        var e = await Assert.ThrowsAsync<DispatchException>(() => Acquire(h, "a"));

        Assert.Equal(("SessionEnded", 410), (e.Code, e.StatusCode));
        Done(h, await Acquire(h, "b")); // other ids still open sessions
    }

    [Fact]
    public async Task New_sessions_fill_the_instance_with_the_fewest_then_start_one_beyond_the_cap()
    {
        var h = Harness(new SessionAffinityConfig { SessionConcurrencyPerInstance = 2 });
        var a = await Acquire(h, "a");
        var b = await Acquire(h, "b");
        Assert.Same(a.Instance, b.Instance);

        var c = await Acquire(h, "c");

        Assert.NotSame(a.Instance, c.Instance);
        Assert.Equal([1, 2], h.Live.Select(i => i.Sessions).Order());
        Done(h, a);
        Done(h, b);
        Done(h, c);
    }

    [Fact]
    public async Task A_session_whose_instance_crashed_moves_with_its_next_request()
    {
        var h = Harness(new SessionAffinityConfig());
        var first = await Acquire(h, "a");
        var old = first.Instance;
        Done(h, first);

        h.Runtime.Instances[old.Id].Crash();
        await DispatcherHarness.Until(() => h.Live.All(i => i.Id != old.Id), "the crashed instance leaves");
        var next = await Acquire(h, "a");

        Assert.NotSame(old, next.Instance);
        Assert.Equal(1, h.Live.Single(i => i.Id == next.Instance.Id).Sessions);
        Done(h, next);
    }
}
