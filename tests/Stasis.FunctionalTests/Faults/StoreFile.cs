using Microsoft.Data.Sqlite;

namespace Stasis.FunctionalTests.Faults;

/// <summary>One meter interval as stored: [<see cref="StartUs"/>, <see cref="EndUs"/>) in microseconds since the Unix epoch.</summary>
public sealed record StoredInterval(string InstanceId, string FunctionName, string State, long StartUs, long EndUs)
{
    public DateTimeOffset Start => DateTimeOffset.UnixEpoch.AddTicks(StartUs * 10);

    public DateTimeOffset End => DateTimeOffset.UnixEpoch.AddTicks(EndUs * 10);
}

/// <summary>Reads a server's store file directly, as an operator would with <c>sqlite3</c>: what is on disk, not what the API says.</summary>
public static class StoreFile
{
    /// <summary>PRAGMA integrity_check: "ok" for a sound file.</summary>
    public static string IntegrityCheck(string path) => Scalar(path, "PRAGMA integrity_check;");

    /// <summary>Every closed meter interval, oldest first.</summary>
    public static List<StoredInterval> Intervals(string path) =>
        Rows(path, "SELECT instance_id, function_name, state, start_us, end_us FROM meter_intervals ORDER BY start_us, id;",
            r => new StoredInterval(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4)));

    /// <summary>The open intervals as of the last heartbeat, closed at it (what a restart will close them at).</summary>
    public static List<StoredInterval> OpenAtLastHeartbeat(string path) =>
        Rows(path, "SELECT instance_id, function_name, state, start_us, heartbeat_us FROM meter_open;",
            r => new StoredInterval(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4)));

    /// <summary>(id, state, stopped_at) of each instance row of a function.</summary>
    public static List<(string Id, string State, string? StoppedAt)> Instances(string path, string function) =>
        Rows(path, $"SELECT id, state, stopped_at FROM instances WHERE function_name = '{function}' ORDER BY started_at;",
            r => (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)));

    /// <summary>Names of the stored functions.</summary>
    public static List<string> Functions(string path) => Rows(path, "SELECT name FROM functions ORDER BY name;", r => r.GetString(0));

    /// <summary>
    /// Asserts that each instance's intervals follow one another with neither gap nor overlap: the meter closes
    /// one and opens the next at the same instant, so anything else means an interval was lost or doubled.
    /// </summary>
    public static void AssertContiguous(IEnumerable<StoredInterval> intervals)
    {
        foreach (var instance in intervals.GroupBy(i => i.InstanceId))
        {
            var ordered = instance.OrderBy(i => i.StartUs).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                Assert.True(ordered[i].StartUs == ordered[i - 1].EndUs,
                    $"instance {instance.Key}: {ordered[i - 1].State} [{ordered[i - 1].Start:O}, {ordered[i - 1].End:O}) is followed by {ordered[i].State} from {ordered[i].Start:O}");
            }
        }
    }

    private static string Scalar(string path, string sql) => Rows(path, sql, r => r.GetString(0)).Single();

    private static List<T> Rows<T>(string path, string sql, Func<SqliteDataReader, T> read)
    {
        // Not pooled: the test must not keep the file open (the next server, or an unmount, follows).
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
