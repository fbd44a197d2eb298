using Stasis.Server.Storage.Sqlite;
using FsCheck.Xunit;
using Stasis.Client.Model;
using Stasis.Server.Metering;
using Stasis.Server.Storage;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Metering;

/// <summary>
/// The bill API prices what the store sums (SqliteMeterLedger.Sum) instead of every interval; for any ledger and any
/// period the two bills are the same to the last decimal.
/// </summary>
public sealed class BillFromStoreSumsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Property(Arbitrary = [typeof(MeterArbitraries)], MaxTest = 40)]
    public void SumsFromTheStore_BillLikeTheIntervals(MeterStep[] steps, byte fromSeconds, byte lengthSeconds)
    {
        using var dir = new TempDirectory();
        var db = new StasisDb(dir.Path);
        var driver = new MeterDriver(T0);
        var journal = new MeterJournal(driver.Meter, new SqliteMeterLedger(db));
        journal.Recover();
        driver.OnBeat = () => journal.Flush();
        driver.Run(steps);
        journal.Flush();

        var store = new SqliteMeterLedger(db);
        var prices = new Prices();
        var from = T0.AddSeconds(fromSeconds % 120).AddMilliseconds(137);
        var to = from.AddSeconds(1 + lengthSeconds);
        var fromIntervals = Bill.Compute(store.Read(null, from, to), from, to, prices);
        var fromSums = Bill.Compute(store.Sum(null, from, to), from, to, prices);

        Assert.Equal(Rows(fromIntervals), Rows(fromSums));
        Assert.Equal(fromIntervals.Total, fromSums.Total);
    }

    private static List<string> Rows(BillReport bill) =>
        bill.Functions.SelectMany(f => f.Instances.Select(i =>
            $"{f.FunctionName}/{i.InstanceId} {i.Kind} {i.From:O}-{i.To:O} idle {i.IdleSeconds} active {i.ActiveSeconds} cu {i.Cu} always {i.AlwaysAllocatedCu}")).ToList();
}
