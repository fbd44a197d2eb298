using Stasis.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Stasis.Server.Instances;
using Stasis.Server.Metering;
using Stasis.Server.Metrics;
using Stasis.Server.Storage;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Metrics;

/// <summary>Metric points in a real SQLite store: round trip, ranges, retention.</summary>
public sealed class MetricsStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_ThenRead_GivesBackEveryFigureAndEveryNull()
    {
        var store = Store();
        var full = Point("llm", 0) with
        {
            Invocations = 120,
            Errors = 3,
            LatencyP50Ms = 12.5,
            LatencyP90Ms = 40,
            LatencyP99Ms = 210.25,
            QueueWaitP50Ms = 0,
            QueueWaitP90Ms = 3.5,
            QueueWaitP99Ms = 18,
            InFlightAverage = 1.75,
            InFlightMax = 6,
            ProvisionedConcurrencyUtilization = 0.4375,
            CpuUtilization = 0.62,
            MemoryBytes = 3L << 30,
            GpuMemoryUtilization = 0.81,
            ProvisionedTarget = 2,
            ProvisionedCurrent = 1,
            Instances = new InstancesByState(1, 2, 3, 4, 5),
            Samples = 60,
        };
        var instance = new InstanceMetricsPoint
        {
            FunctionName = "llm", InstanceId = "llm-1", Start = full.Start, End = full.End, Kind = InstanceKind.Provisioned,
            State = InstanceState.Frozen, Slots = 4, InFlightAverage = 0.5, InFlightMax = 2, CpuUtilization = 0.1, MemoryBytes = 1 << 20,
        };
        var empty = Point("llm", 1); // nothing measured: every nullable figure null

        store.Write([new ClosedInterval(full, [instance]), new ClosedInterval(empty, [])]);
        var read = store.Read("llm", T0, T0.AddMinutes(2), withInstances: true);

        Assert.Equal(2, read.Count);
        Assert.Equal(full, read[0].Function);
        Assert.Equal(instance, Assert.Single(read[0].Instances));
        Assert.Equal(empty, read[1].Function);
        Assert.Null(read[1].Function.GpuMemoryUtilization);
        Assert.Null(read[1].Function.LatencyP50Ms);
    }

    [Fact]
    public void Read_GivesThePointsOfOneFunctionThatOverlapTheRange_OldestFirst_InstancesOnlyWhenAsked()
    {
        var store = Store();
        store.Write([.. Enumerable.Range(0, 5).Select(i => new ClosedInterval(Point("a", i), [InstancePoint("a", i)])), new ClosedInterval(Point("b", 2), [])]);

        var read = store.Read("a", T0.AddMinutes(1.5), T0.AddMinutes(3), withInstances: false);

        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(2)], read.Select(c => c.Function.Start));
        Assert.All(read, c => Assert.Empty(c.Instances));
        Assert.Equal(["a-1"], store.Read("a", T0.AddMinutes(1), T0.AddMinutes(2), withInstances: true).SelectMany(c => c.Instances).Select(i => i.InstanceId));
    }

    [Fact]
    public void Read_AnHourLongIntervalThatBeganBeforeTheRange_StillOverlapsIt()
    {
        // The longest metrics interval is an hour: Read looks that far back for starts, no further.
        var store = Store();
        var end = T0.AddHours(1);
        store.Write([new ClosedInterval(Point("a", 0) with { End = end }, [InstancePoint("a", 0) with { End = end }])]);

        var read = store.Read("a", T0.AddMinutes(59), T0.AddHours(2), withInstances: true);

        Assert.Equal(T0, Assert.Single(read).Function.Start);
        Assert.Single(read[0].Instances);
        Assert.Empty(store.Read("a", end, T0.AddHours(2), withInstances: true));
    }

    [Fact]
    public void DeleteEndedBefore_DropsOldPointsAndTheirInstances_KeepsTheRest()
    {
        var store = Store();
        store.Write([.. Enumerable.Range(0, 4).Select(i => new ClosedInterval(Point("a", i), [InstancePoint("a", i)]))]);

        var deleted = store.DeleteEndedBefore(T0.AddMinutes(2)); // ends at 1 and 2 min: only the first is before

        Assert.Equal(1, deleted);
        var left = store.Read("a", DateTimeOffset.MinValue.AddYears(1), DateTimeOffset.MaxValue.AddYears(-1), withInstances: true);
        Assert.Equal([1, 2, 3], left.Select(c => (int)(c.Function.Start - T0).TotalMinutes));
        Assert.Equal(3, left.Sum(c => c.Instances.Count));
    }

    [Fact]
    public void HasFunction_OnlyForFunctionsWithPoints()
    {
        var store = Store();
        store.Write([new ClosedInterval(Point("a", 0), [])]);

        Assert.True(store.HasFunction("a"));
        Assert.False(store.HasFunction("b"));
    }

    [Fact]
    public void Write_AFlushShorterThanAMicrosecond_IsStoredAsOne()
    {
        var store = Store();
        var point = Point("a", 0) with { End = T0.AddTicks(3) };

        store.Write([new ClosedInterval(point, [])]);

        Assert.Equal(T0.AddTicks(10), Assert.Single(store.Read("a", T0, T0.AddSeconds(1), false)).Function.End);
    }

    [Fact]
    public void Migration_AddsTheMetricsTablesAsVersion4()
    {
        Store();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "stasis.db")}");
        connection.Open();

        Assert.True(Migrations.CurrentVersion(connection) >= 4);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('metric_points', 'metric_instance_points');";
        Assert.Equal(2L, command.ExecuteScalar());
    }

    private SqliteMetricsArchive Store() => new(new StasisDb(_dir.Path));

    private static FunctionMetricsPoint Point(string function, int minute) => new()
    {
        FunctionName = function,
        Start = T0.AddMinutes(minute),
        End = T0.AddMinutes(minute + 1),
    };

    private static InstanceMetricsPoint InstancePoint(string function, int minute) => new()
    {
        FunctionName = function,
        InstanceId = $"{function}-{minute}",
        Start = T0.AddMinutes(minute),
        End = T0.AddMinutes(minute + 1),
        Kind = InstanceKind.OnDemand,
        State = InstanceState.Ready,
    };
}
