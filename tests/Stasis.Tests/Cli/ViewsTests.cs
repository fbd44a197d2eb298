using Stasis.Cli.Output;
using Stasis.Client.Model;

namespace Stasis.Tests.Cli;

public sealed class ViewsTests
{
    [Fact]
    public void FunctionListShowsOneRowPerFunctionSortedByName()
    {
        var table = FunctionViews.List(
        [
            Fixtures.Function("zeta", new InstanceCounts { Ready = 2, Busy = 1, Starting = 1 }),
            Fixtures.Function("alpha", null, Fixtures.HttpTrigger("alpha")),
        ], Fixtures.Now);

        Assert.Equal(["NAME", "RUNTIME", "CONCURRENCY", "TIMEOUT", "READY/BUSY/STARTING", "URL", "UPDATED"], table.Headers);
        Assert.Equal(["alpha", "zeta"], table.Column("NAME"));
        Assert.Equal(["0/0/0", "2/1/1"], table.Column("READY/BUSY/STARTING"));
        Assert.Equal(["30s", "30s"], table.Column("TIMEOUT"));
        Assert.Equal(["4", "4"], table.Column("CONCURRENCY"));
        Assert.Equal(["5m ago", "5m ago"], table.Column("UPDATED"));
        Assert.Equal(["http://127.0.0.1:7070/fn/alpha", "http://127.0.0.1:7070/fn/zeta"], table.Column("URL"));
    }

    [Fact]
    public void RuntimeDefaultsToCustomContainer()
    {
        var f = Fixtures.Function("f");
        f = f with { Spec = f.Spec with { Runtime = null } };
        Assert.Equal("custom-container", FunctionViews.List([f], Fixtures.Now).Column("RUNTIME")[0]);
    }

    [Fact]
    public void InfoListsEnvironmentNamesButNotValues()
    {
        var props = FunctionViews.Properties(Fixtures.Function("f", new InstanceCounts { Ready = 1, Failed = 2 }), Fixtures.Now);

        Assert.Equal("MODEL, TOKEN", props["environment"]);
        Assert.DoesNotContain(props.Items, i => i.Value.Contains("secret-value", StringComparison.Ordinal));
        Assert.Equal("python3 app.py '--model dir'", props["command"]);
        Assert.Equal("1 ready, 0 busy, 0 starting, 2 failed", props["instances"]);
        Assert.Equal("9000", props["port"]);
        Assert.False(props.Contains("description"));
        Assert.False(props.Contains("rate limit"));
    }

    [Fact]
    public void InfoShowsTheRateLimitWithItsBurst()
    {
        var f = Fixtures.Function("f", new InstanceCounts());

        var props = FunctionViews.Properties(f with { Spec = f.Spec with { MaxRequestsPerSecond = 2.5 } }, Fixtures.Now);

        Assert.Equal("2.5 requests/s, burst 3", props["rate limit"]);
    }

    [Fact]
    public void StatusShowsTheServersInstanceLimit()
    {
        var props = StatusView.Properties(new ServerStatus
        {
            Version = "1.0", Listen = "127.0.0.1:7070", DataDirectory = "/d", Runtime = "process", Instances = 3, MaxInstancesTotal = 256,
        }, new Uri("http://127.0.0.1:7070/"));

        Assert.Equal("3 (limit 256)", props["instances"]);
    }

    [Fact]
    public void InstanceTable_OfASessionFunction_SaysHowManySessionsEachHolds()
    {
        var started = Fixtures.Now.AddMinutes(-1);
        InstanceInfo Instance(string id, int sessions, int offset) => new()
        {
            Id = id, FunctionName = "f", State = "ready", Version = 1, StartedAt = started.AddSeconds(offset), Sessions = sessions,
        };

        var table = InstanceViews.List([Instance("i-2", 3, 2), Instance("i-1", 20, 1)], Fixtures.Now, sessions: true);
        var plain = InstanceViews.List([Instance("i-1", 0, 1)], Fixtures.Now);

        Assert.Equal(["20", "3"], table.Column("SESSIONS"));
        Assert.Equal(table.Headers.ToList().IndexOf("QUEUED") + 1, table.Headers.ToList().IndexOf("SESSIONS"));
        Assert.DoesNotContain("SESSIONS", plain.Headers);
    }

    [Fact]
    public void InstanceTableShowsColdStartAndTruncatesErrors()
    {
        var started = Fixtures.Now.AddMinutes(-10);
        var table = InstanceViews.List(
        [
            new InstanceInfo
            {
                Id = "i-1", FunctionName = "f", State = "failed", Version = 1, StartedAt = started,
                Error = "boom\n" + new string('x', 200),
            },
            new InstanceInfo
            {
                Id = "i-2", FunctionName = "f", State = "ready", Kind = "provisioned", Version = 1, Pid = 4242, InFlight = 1, Slots = 4, Completed = 17,
                Queued = 3, BusyMs = 12_345, BusyShare = 0.4567,
                StartedAt = started.AddSeconds(1), ReadyAt = started.AddSeconds(3.26), LastUsedAt = Fixtures.Now.AddSeconds(-12),
            },
        ], Fixtures.Now);

        Assert.Equal(["i-1", "i-2"], table.Column("ID"));
        Assert.Equal(["-", "4242"], table.Column("PID"));
        Assert.Equal(["on-demand", "provisioned"], table.Column("KIND"));
        Assert.Equal(["0/0", "1/4"], table.Column("IN-FLIGHT"));
        Assert.Equal(["0", "3"], table.Column("QUEUED"));
        Assert.Equal(["0s", "12.3s"], table.Column("BUSY"));
        Assert.Equal(["-", "45.7"], table.Column("BUSY %"));
        Assert.Equal(["-", "+2.3s"], table.Column("READY"));
        Assert.Equal(["-", "12s ago"], table.Column("LAST USED"));
        var error = table.Column("ERROR")[0];
        Assert.Equal(InstanceViews.ErrorWidth, error.Length);
        Assert.StartsWith("boom x", error, StringComparison.Ordinal);
        Assert.EndsWith("…", error, StringComparison.Ordinal);
        Assert.Equal("-", table.Column("ERROR")[1]);
    }

    [Fact]
    public void ScalingHistoryReadsAsATimelineWithChangesMarked()
    {
        var t = Fixtures.Now;
        var table = ProvisionViews.History(
        [
            new ScalingDecisionInfo { At = t.AddMinutes(1), PreviousTarget = 2, Target = 4, Current = 2, Reason = "scale out", IntervalEnd = t, ProvisionedConcurrencyUtilization = 0.916 },
            new ScalingDecisionInfo { At = t, Target = 2, Current = 0, Reason = "no policy applies: defaultTarget 2" },
            new ScalingDecisionInfo { At = t.AddMinutes(2), PreviousTarget = 4, Target = 4, Current = 4, Reason = "hold", IntervalEnd = t.AddMinutes(1), Explain = "GPUMemUtilization is unavailable" },
        ]);

        Assert.Equal(["2", "2 → 4", "4"], table.Column("TARGET"));
        Assert.Equal(["-", "0.92", "n/a"], table.Column("PCU"));
        Assert.Equal(["-", "n/a", "n/a"], table.Column("GPU MEM"));
        Assert.Equal(["-", "-", "GPUMemUtilization is unavailable"], table.Column("EXPLAIN"));
    }

    [Fact]
    public void SchedulingLineShowsPolicyQueueAndWaitPercentiles()
    {
        var f = Fixtures.Function("f", new InstanceCounts { Busy = 2 }) with
        {
            Queued = 3,
            SchedulingPolicy = "round-robin",
            QueueWait = new QueueWaitInfo { Samples = 1024, P50Ms = 0, P90Ms = 12.5, P99Ms = 40.2, MaxMs = 52, Requests = 2000, Waited = 57 },
        };

        Assert.Equal("policy round-robin · 3 waiting · queue wait p50 0 ms, p90 13 ms, p99 40 ms, max 52 ms (last 1024 requests; 57 of 2000 waited)",
            InstanceViews.Scheduling(f));
        Assert.Equal("policy join-idle-queue · 0 waiting · no requests yet", InstanceViews.Scheduling(Fixtures.Function("g", new InstanceCounts())));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(850, "850ms")]
    [InlineData(12_345, "12.3s")]
    [InlineData(754_000, "12m34s")]
    [InlineData(7_384_000, "2h03m")]
    public void MillisecondsAreShortAndReadable(long ms, string expected)
    {
        Assert.Equal(expected, Humanize.Milliseconds(ms));
    }

    [Fact]
    public void DeployTableHasARowPerTriggerAndFallsBackToTheFunctionUrl()
    {
        var withTriggers = Fixtures.Function("a", null, Fixtures.HttpTrigger("a", "t1"), Fixtures.HttpTrigger("a", "t2") with { Url = "" });
        var without = Fixtures.Function("b");
        var table = DeployView.Table(
        [
            new DeployedResource("res-a", new DeployResult { Function = withTriggers, Outcome = "created" }),
            new DeployedResource("res-b", new DeployResult { Function = without, Outcome = "unchanged" }),
        ]);

        Assert.Equal(["RESOURCE", "FUNCTION", "OUTCOME", "TRIGGER", "URL"], table.Headers);
        Assert.Equal(["res-a", "res-a", "res-b"], table.Column("RESOURCE"));
        Assert.Equal(["t1", "t2", "-"], table.Column("TRIGGER"));
        Assert.Equal(["created", "created", "unchanged"], table.Column("OUTCOME"));
        Assert.Equal(["http://127.0.0.1:7070/fn/a", "http://127.0.0.1:7070/fn/a", "http://127.0.0.1:7070/fn/b"], table.Column("URL"));
    }

    [Fact]
    public void StatusListsRuntimeDetailsUnderTheRuntime()
    {
        var props = StatusView.Properties(new ServerStatus
        {
            Version = "1.0", Listen = "127.0.0.1:7070", DataDirectory = "/d", Runtime = "process",
            RuntimeDetails = new() { ["cgroup"] = "v2", ["gpu"] = "none" }, Functions = 2, Instances = 3,
        }, new Uri("http://127.0.0.1:7070/"));

        Assert.Equal(["endpoint", "version", "listen", "data", "runtime", "  cgroup", "  gpu", "functions", "instances", "storage"], props.Items.Select(i => i.Key));
        Assert.Equal("http://127.0.0.1:7070", props["endpoint"]);
        Assert.Equal("ok", props["storage"]);
    }

    [Fact]
    public void StatusOfAFailingStore_SaysWhatWaitsAndWhatWasDropped()
    {
        var props = StatusView.Properties(new ServerStatus
        {
            Version = "1.0", Listen = "127.0.0.1:7070", DataDirectory = "/d", Runtime = "process",
            Storage = new StorageStatus
            {
                State = "full", Since = new DateTimeOffset(2026, 3, 1, 12, 0, 3, TimeSpan.Zero), Error = "database or disk is full",
                PendingWrites = 3, PendingMeterIntervals = 12, PendingMetricPoints = 1, LogLinesDropped = 40,
            },
        }, new Uri("http://127.0.0.1:7070/"));

        Assert.Equal("full since 12:00:03Z: 3 records, 12 meter intervals, 1 metric points wait to be written (database or disk is full)", props["storage"]);
        Assert.Equal("40", props["  log lines dropped"]);
    }

    [Theory]
    [InlineData(0.4, "just now")]
    [InlineData(59, "59s ago")]
    [InlineData(61, "1m ago")]
    [InlineData(7300, "2h ago")]
    [InlineData(200000, "2d ago")]
    [InlineData(-30, "just now")]
    public void AgesRead(double secondsAgo, string text) =>
        Assert.Equal(text, Humanize.Ago(Fixtures.Now.AddSeconds(-secondsAgo), Fixtures.Now));
}
