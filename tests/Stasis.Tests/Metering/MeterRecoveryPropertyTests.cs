using Stasis.Server.Storage.Sqlite;
using FsCheck.Xunit;
using Stasis.Client.Model;
using Stasis.Server.Metering;
using Stasis.Server.Storage;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Metering;

/// <summary>
/// A server killed at any point (no last heartbeat, no Ended calls) and restarted on the same store
/// bills exactly what happened up to its last heartbeat: nothing lost before it, nothing counted twice.
/// </summary>
public sealed class MeterRecoveryPropertyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Property(Arbitrary = [typeof(MeterArbitraries)], MaxTest = 60)]
    public void Recovery_KillAfterAnyEvents_BillsExactlyUpToTheLastHeartbeat(MeterStep[] steps)
    {
        using var dir = new TempDirectory();
        var db = new StasisDb(dir.Path);
        var driver = new MeterDriver(T0);
        var journal = new MeterJournal(driver.Meter, new SqliteMeterLedger(db));
        journal.Recover();
        var lastBeat = T0;
        driver.OnBeat = () => lastBeat = journal.Flush().Heartbeat;
        driver.Run(steps);
        driver.Time.Advance(TimeSpan.FromSeconds(3));
        // kill -9: the meter and its journal are dropped; whatever they held since lastBeat is gone.

        var restarted = new MeterJournal(new Meter(driver.Time), new SqliteMeterLedger(new StasisDb(dir.Path)));
        restarted.Recover();
        var stored = new SqliteMeterLedger(db).Read(null, DateTimeOffset.MinValue, DateTimeOffset.MaxValue);

        foreach (var (id, account) in driver.Accounts)
        {
            var mine = stored.Where(i => i.Instance.InstanceId == id).OrderBy(i => i.Start).ToList();
            var end = account.Ended is { } ended && ended < lastBeat ? ended : lastBeat;
            if (end <= account.Started)
            {
                Assert.Empty(mine);
                continue;
            }

            Assert.Equal(account.Started, mine[0].Start);
            Assert.Equal(end, mine[^1].End);
            for (var k = 1; k < mine.Count; k++)
            {
                Assert.Equal(mine[k - 1].End, mine[k].Start);
            }
        }

        // The bill of the store is the bill of an exact replay cut at the last heartbeat.
        var replay = new MeterDriver(T0);
        replay.Run(steps.TakeWhile((_, k) => steps.Take(k + 1).Sum(s => (long)s.AfterMs) <= (lastBeat - T0).TotalMilliseconds));
        replay.Time.SetUtcNow(lastBeat);
        replay.EndAll();
        var prices = new Prices();
        var expected = Bill.Compute(replay.Taken, T0, lastBeat, prices);
        var actual = Bill.Compute(stored, T0, lastBeat, prices);
        Assert.Equal(expected.Total.CostUsd, actual.Total.CostUsd);
        Assert.Equal(expected.Total.IdleSeconds, actual.Total.IdleSeconds);
        Assert.Equal(expected.Total.ActiveSeconds, actual.Total.ActiveSeconds);
    }
}
