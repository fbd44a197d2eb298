using System.Globalization;
using Microsoft.Data.Sqlite;
using Stasis.Server.Instances;
using Stasis.Server.Metering;
using Stasis.Server.Storage;
using Stasis.Server.Metrics;

namespace Stasis.Server.Storage.Sqlite;

/// <summary>
/// The metrics tables (migration 4): <c>metric_points</c>, one row per function and closed interval, and
/// <c>metric_instance_points</c>, one per instance in it. What closed at one tick is written in one transaction;
/// rows older than the retention are deleted by <see cref="DeleteEndedBefore"/>.
/// </summary>
internal sealed class SqliteMetricsArchive(StasisDb db) : IMetricsArchive
{
    private const string PointColumns =
        "function_name, start_us, end_us, invocations, errors, latency_p50_ms, latency_p90_ms, latency_p99_ms, "
        + "queue_wait_p50_ms, queue_wait_p90_ms, queue_wait_p99_ms, in_flight_avg, in_flight_max, provisioned_util, cpu_util, "
        + "memory_bytes, gpu_memory_util, provisioned_target, provisioned_current, instances_starting, instances_ready, "
        + "instances_busy, instances_frozen, instances_draining, samples";

    private const string InstanceColumns =
        "function_name, instance_id, start_us, end_us, kind, state, slots, in_flight_avg, in_flight_max, cpu_util, memory_bytes, gpu_memory_bytes";

    /// <summary>Appends the points and their instances' points, all or nothing.</summary>
    public void Write(IReadOnlyList<ClosedInterval> closed)
    {
        if (closed.Count == 0)
        {
            return;
        }

        // A tick waits at most a second for another writer's lock; the sampler keeps what it could not write.
        using var connection = db.Open(TimeSpan.FromSeconds(1));
        using var tx = connection.BeginTransaction();
        using var point = Insert(connection, tx, "metric_points", PointColumns);
        using var instance = Insert(connection, tx, "metric_instance_points", InstanceColumns);
        foreach (var (p, instances) in closed)
        {
            var (start, end) = Span(p.Start, p.End);
            Row(point,
                p.FunctionName, start, end, p.Invocations, p.Errors, p.LatencyP50Ms, p.LatencyP90Ms, p.LatencyP99Ms,
                p.QueueWaitP50Ms, p.QueueWaitP90Ms, p.QueueWaitP99Ms, p.InFlightAverage, p.InFlightMax, p.ProvisionedConcurrencyUtilization,
                p.CpuUtilization, p.MemoryBytes, p.GpuMemoryUtilization, p.ProvisionedTarget, p.ProvisionedCurrent,
                p.Instances.Starting, p.Instances.Ready, p.Instances.Busy, p.Instances.Frozen, p.Instances.Draining, p.Samples);
            point.ExecuteNonQuery();
            foreach (var i in instances)
            {
                Row(instance,
                    i.FunctionName, i.InstanceId, start, end, MeterNames.Of(i.Kind), StateName(i.State), i.Slots,
                    i.InFlightAverage, i.InFlightMax, i.CpuUtilization, i.MemoryBytes, i.GpuMemoryBytes);
                instance.ExecuteNonQuery();
            }
        }

        tx.Commit();
    }

    /// <summary>
    /// The function's points that overlap [<paramref name="from"/>, <paramref name="to"/>), oldest first; with
    /// <paramref name="withInstances"/> each with its instances' points (by instance id), else with none (and no
    /// instance row is read).
    /// </summary>
    public List<ClosedInterval> Read(string function, DateTimeOffset from, DateTimeOffset to, bool withInstances)
    {
        using var connection = db.Open();
        var fromUs = MeterTime.ToUnixMicroseconds(from);
        var toUs = MeterTime.ToUnixMicroseconds(to);
        // No interval is longer than the longest metrics interval, so one that ends after from starts after this: a
        // bound that keeps the search in the (function_name, start_us) indexes to the window instead of all the history.
        var earliestUs = fromUs - (long)MetricsIntervals.Max.TotalMicroseconds;
        var instances = new Dictionary<long, List<InstanceMetricsPoint>>();
        if (withInstances)
        {
            using var select = Command(connection, null,
                $"SELECT {InstanceColumns} FROM metric_instance_points WHERE function_name = $fn AND start_us > $earliest AND start_us < $to AND end_us > $from ORDER BY start_us, instance_id;");
            Bind(select, ("$fn", function), ("$earliest", earliestUs), ("$from", fromUs), ("$to", toUs));
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var start = reader.GetInt64(2);
                if (!instances.TryGetValue(start, out var list))
                {
                    instances[start] = list = new List<InstanceMetricsPoint>();
                }

                list.Add(new InstanceMetricsPoint
                {
                    FunctionName = reader.GetString(0),
                    InstanceId = reader.GetString(1),
                    Start = MeterTime.FromUnixMicroseconds(start),
                    End = MeterTime.FromUnixMicroseconds(reader.GetInt64(3)),
                    Kind = MeterNames.Kind(reader.GetString(4)),
                    State = Enum.Parse<InstanceState>(reader.GetString(5), ignoreCase: true),
                    Slots = reader.GetInt32(6),
                    InFlightAverage = reader.GetDouble(7),
                    InFlightMax = reader.GetInt32(8),
                    CpuUtilization = NullableDouble(reader, 9),
                    MemoryBytes = NullableLong(reader, 10),
                    GpuMemoryBytes = NullableLong(reader, 11),
                });
            }
        }

        var result = new List<ClosedInterval>();
        using (var select = Command(connection, null,
            $"SELECT {PointColumns} FROM metric_points WHERE function_name = $fn AND start_us > $earliest AND start_us < $to AND end_us > $from ORDER BY start_us, id;"))
        {
            Bind(select, ("$fn", function), ("$earliest", earliestUs), ("$from", fromUs), ("$to", toUs));
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var start = reader.GetInt64(1);
                result.Add(new ClosedInterval(ReadPoint(reader), instances.GetValueOrDefault(start) ?? []));
            }
        }

        return result;
    }

    /// <summary>Whether the store has any point of <paramref name="function"/> (a removed function keeps its history).</summary>
    public bool HasFunction(string function)
    {
        using var connection = db.Open();
        using var select = Command(connection, null, "SELECT EXISTS (SELECT 1 FROM metric_points WHERE function_name = $fn);");
        Bind(select, ("$fn", function));
        return Convert.ToInt64(select.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>Deletes every point that ended before <paramref name="cutoff"/>; returns how many function points went.</summary>
    public int DeleteEndedBefore(DateTimeOffset cutoff)
    {
        using var connection = db.Open();
        using var tx = connection.BeginTransaction();
        var us = MeterTime.ToUnixMicroseconds(cutoff);
        using var instances = Command(connection, tx, "DELETE FROM metric_instance_points WHERE end_us < $cutoff;");
        Bind(instances, ("$cutoff", us));
        instances.ExecuteNonQuery();
        using var points = Command(connection, tx, "DELETE FROM metric_points WHERE end_us < $cutoff;");
        Bind(points, ("$cutoff", us));
        var deleted = points.ExecuteNonQuery();
        tx.Commit();
        return deleted;
    }

    private static FunctionMetricsPoint ReadPoint(SqliteDataReader r) => new()
    {
        FunctionName = r.GetString(0),
        Start = MeterTime.FromUnixMicroseconds(r.GetInt64(1)),
        End = MeterTime.FromUnixMicroseconds(r.GetInt64(2)),
        Invocations = r.GetInt64(3),
        Errors = r.GetInt64(4),
        LatencyP50Ms = NullableDouble(r, 5),
        LatencyP90Ms = NullableDouble(r, 6),
        LatencyP99Ms = NullableDouble(r, 7),
        QueueWaitP50Ms = NullableDouble(r, 8),
        QueueWaitP90Ms = NullableDouble(r, 9),
        QueueWaitP99Ms = NullableDouble(r, 10),
        InFlightAverage = NullableDouble(r, 11),
        InFlightMax = r.GetInt32(12),
        ProvisionedConcurrencyUtilization = NullableDouble(r, 13),
        CpuUtilization = NullableDouble(r, 14),
        MemoryBytes = NullableLong(r, 15),
        GpuMemoryUtilization = NullableDouble(r, 16),
        ProvisionedTarget = r.GetInt32(17),
        ProvisionedCurrent = r.GetInt32(18),
        Instances = new InstancesByState(r.GetInt32(19), r.GetInt32(20), r.GetInt32(21), r.GetInt32(22), r.GetInt32(23)),
        Samples = r.GetInt32(24),
    };

    /// <summary>The interval in microseconds; one shorter than a microsecond (a flush right after a start) is stored as one.</summary>
    private static (long Start, long End) Span(DateTimeOffset start, DateTimeOffset end)
    {
        var s = MeterTime.ToUnixMicroseconds(start);
        return (s, Math.Max(s + 1, MeterTime.ToUnixMicroseconds(end)));
    }

    private static string StateName(InstanceState state) => state.ToString().ToLowerInvariant();

    private static double? NullableDouble(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    private static long? NullableLong(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    /// <summary>An insert of one row into <paramref name="columns"/>, with a parameter per column, to be bound by <see cref="Row"/>.</summary>
    private static SqliteCommand Insert(SqliteConnection connection, SqliteTransaction tx, string table, string columns)
    {
        var names = columns.Split(", ").Select(c => "$" + c).ToArray();
        var command = Command(connection, tx, $"INSERT INTO {table} ({columns}) VALUES ({string.Join(", ", names)});");
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }

        return command;
    }

    /// <summary>Binds one row's values to an <see cref="Insert"/>'s parameters, in column order.</summary>
    private static void Row(SqliteCommand insert, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            insert.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private static void Bind(SqliteCommand command, params (string Name, object Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
    }
}
