using Microsoft.Data.Sqlite;
using Stasis.Server.Storage;
using Stasis.Server.Metering;

namespace Stasis.Server.Storage.Sqlite;

/// <summary>
/// The meter's tables (migration 3): <c>meter_intervals</c>, append-only, and <c>meter_open</c>, the
/// open intervals as of the last heartbeat. Each heartbeat is one transaction, so after a crash the
/// store holds either all of a beat or none of it.
/// </summary>
internal sealed class SqliteMeterLedger(StasisDb db) : IMeterLedger
{
    private const string Columns = "instance_id, function_name, kind, state, start_us, end_us, vcpu, memory_gb, gpu_memory_gb";

    /// <summary>How long a heartbeat waits for another writer's lock; what it cannot write waits for the next beat.</summary>
    private static readonly TimeSpan WriteBusyTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Appends the batch's closed intervals and replaces the open ones, stamped with its heartbeat.</summary>
    public void Write(MeterBatch batch)
    {
        using var connection = db.Open(WriteBusyTimeout);
        using var tx = connection.BeginTransaction();
        Append(connection, tx, batch.Closed);
        using (var clear = StasisDb.Command(connection, tx, "DELETE FROM meter_open;"))
        {
            clear.ExecuteNonQuery();
        }

        // An open interval is stored as the interval it would be if the server died now: ending at the heartbeat.
        using var insert = StasisDb.Command(connection, tx,
            """
            INSERT INTO meter_open (instance_id, function_name, kind, state, start_us, heartbeat_us, vcpu, memory_gb, gpu_memory_gb)
            VALUES ($id, $fn, $kind, $state, $start, $end, $vcpu, $mem, $gpu);
            """);
        foreach (var open in batch.Open)
        {
            Bind(insert, open.Instance, open.State, open.Start, batch.Heartbeat);
            insert.ExecuteNonQuery();
        }

        tx.Commit();
    }

    /// <summary>
    /// Closes the intervals a previous server left open at its last heartbeat and forgets them, in one
    /// transaction: e.g. active since 10:00:00, last heartbeat 10:00:41.5 → [10:00:00, 10:00:41.5) active.
    /// </summary>
    public IReadOnlyList<MeterInterval> Recover()
    {
        using var connection = db.Open();
        using var tx = connection.BeginTransaction();
        var recovered = new List<MeterInterval>();
        using (var select = StasisDb.Command(connection, tx,
            "SELECT instance_id, function_name, kind, state, start_us, heartbeat_us, vcpu, memory_gb, gpu_memory_gb FROM meter_open;"))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                if (ReadInterval(reader) is { } interval)
                {
                    recovered.Add(interval);
                }
            }
        }

        Append(connection, tx, recovered);
        using (var clear = StasisDb.Command(connection, tx, "DELETE FROM meter_open;"))
        {
            clear.ExecuteNonQuery();
        }

        tx.Commit();
        return recovered;
    }

    /// <summary>Closed intervals that overlap [from, to), of one function or of all; unclipped, oldest first.</summary>
    public List<MeterInterval> Read(string? function, DateTimeOffset from, DateTimeOffset to)
    {
        using var connection = db.Open();
        using var select = StasisDb.Command(connection, null,
            $"SELECT {Columns} FROM meter_intervals WHERE end_us > $from AND start_us < $to AND ($fn IS NULL OR function_name = $fn) ORDER BY start_us, id;");
        select.Parameters.AddWithValue("$from", MeterTime.ToUnixMicroseconds(from));
        select.Parameters.AddWithValue("$to", MeterTime.ToUnixMicroseconds(to));
        select.Parameters.AddWithValue("$fn", (object?)function ?? DBNull.Value);
        using var reader = select.ExecuteReader();
        var result = new List<MeterInterval>();
        while (reader.Read())
        {
            result.Add(ReadInterval(reader)!);
        }

        return result;
    }

    /// <summary>
    /// What the store holds for a bill over [from, to): per instance, state and resources, the intervals' time
    /// clipped to the period, summed by SQLite (exact: whole microseconds), with the first and last instants.
    /// </summary>
    public List<MeterSum> Sum(string? function, DateTimeOffset from, DateTimeOffset to)
    {
        using var connection = db.Open();
        using var select = StasisDb.Command(connection, null,
            """
            SELECT instance_id, function_name, kind, state, vcpu, memory_gb, gpu_memory_gb,
                   SUM(MIN(end_us, $to) - MAX(start_us, $from)), MIN(MAX(start_us, $from)), MAX(MIN(end_us, $to)), MAX(end_us)
            FROM meter_intervals
            WHERE end_us > $from AND start_us < $to AND ($fn IS NULL OR function_name = $fn)
            GROUP BY function_name, instance_id, state, kind, vcpu, memory_gb, gpu_memory_gb;
            """);
        select.Parameters.AddWithValue("$from", MeterTime.ToUnixMicroseconds(from));
        select.Parameters.AddWithValue("$to", MeterTime.ToUnixMicroseconds(to));
        select.Parameters.AddWithValue("$fn", (object?)function ?? DBNull.Value);
        using var reader = select.ExecuteReader();
        var result = new List<MeterSum>();
        while (reader.Read())
        {
            var instance = new MeteredInstance(reader.GetString(0), reader.GetString(1), MeterNames.Kind(reader.GetString(2)),
                reader.GetDouble(4), reader.GetDouble(5), reader.GetDouble(6));
            result.Add(new MeterSum(instance, MeterNames.State(reader.GetString(3)),
                TimeSpan.FromTicks(reader.GetInt64(7) * TimeSpan.TicksPerMicrosecond),
                MeterTime.FromUnixMicroseconds(reader.GetInt64(8)),
                MeterTime.FromUnixMicroseconds(reader.GetInt64(9))));
        }

        return result;
    }

    /// <summary>Whether the store has billed <paramref name="function"/> at all (a deleted function keeps its bill).</summary>
    public bool HasFunction(string function)
    {
        using var connection = db.Open();
        using var select = StasisDb.Command(connection, null, "SELECT EXISTS (SELECT 1 FROM meter_intervals WHERE function_name = $fn);");
        select.Parameters.AddWithValue("$fn", function);
        return Convert.ToInt64(select.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    private static void Append(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<MeterInterval> intervals)
    {
        if (intervals.Count == 0)
        {
            return;
        }

        using var insert = StasisDb.Command(connection, tx,
            $"INSERT INTO meter_intervals ({Columns}) VALUES ($id, $fn, $kind, $state, $start, $end, $vcpu, $mem, $gpu);");
        foreach (var interval in intervals)
        {
            Bind(insert, interval.Instance, interval.State, interval.Start, interval.End);
            insert.ExecuteNonQuery();
        }
    }


    private static void Bind(SqliteCommand command, MeteredInstance instance, MeterState state, DateTimeOffset start, DateTimeOffset end)
    {
        if (command.Parameters.Count == 0)
        {
            foreach (var name in new[] { "$id", "$fn", "$kind", "$state", "$start", "$end", "$vcpu", "$mem", "$gpu" })
            {
                command.Parameters.Add(new SqliteParameter(name, null));
            }
        }

        command.Parameters["$id"].Value = instance.InstanceId;
        command.Parameters["$fn"].Value = instance.FunctionName;
        command.Parameters["$kind"].Value = MeterNames.Of(instance.Kind);
        command.Parameters["$state"].Value = MeterNames.Of(state);
        command.Parameters["$start"].Value = MeterTime.ToUnixMicroseconds(start);
        command.Parameters["$end"].Value = MeterTime.ToUnixMicroseconds(end);
        command.Parameters["$vcpu"].Value = instance.VCpu;
        command.Parameters["$mem"].Value = instance.MemoryGb;
        command.Parameters["$gpu"].Value = instance.GpuMemoryGb;
    }

    /// <summary>Reads the nine columns of <see cref="Columns"/> (or meter_open's, heartbeat in place of end).</summary>
    private static MeterInterval? ReadInterval(SqliteDataReader reader)
    {
        var instance = new MeteredInstance(
            reader.GetString(0),
            reader.GetString(1),
            MeterNames.Kind(reader.GetString(2)),
            reader.GetDouble(6),
            reader.GetDouble(7),
            reader.GetDouble(8));
        var start = MeterTime.FromUnixMicroseconds(reader.GetInt64(4));
        return new OpenInterval(instance, MeterNames.State(reader.GetString(3)), start).CloseAt(MeterTime.FromUnixMicroseconds(reader.GetInt64(5)));
    }
}
