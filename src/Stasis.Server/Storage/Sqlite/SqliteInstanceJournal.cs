using System.Globalization;
using Stasis.Client.Model;
using Stasis.Server.Scheduling;
using Stasis.Server.Storage;
using Stasis.Server.Instances;

namespace Stasis.Server.Storage.Sqlite;

/// <summary>
/// Instance records in the store: one row per instance, updated at each change of state. Writes go through
/// <see cref="DeferredWrites"/>, so a locked store or a full disk never holds up or fails an instance's start or stop.
/// </summary>
internal sealed class SqliteInstanceJournal(StasisDb db, DeferredWrites deferred) : IInstanceJournal, IInstanceHistory
{
    public void Record(InstanceInfo instance) =>
        deferred.Write($"instance {instance.Id} record ({instance.State})", connection => Upsert(connection, instance));

    private static void Upsert(Microsoft.Data.Sqlite.SqliteConnection connection, InstanceInfo instance) =>
        StasisDb.Execute(connection,
            """
            INSERT INTO instances (id, function_name, version, state, pid, started_at, ready_at, stopped_at, error, log_path, kind)
            VALUES ($id, $fn, $version, $state, $pid, $started, $ready, $stopped, $error, $log, $kind)
            ON CONFLICT(id) DO UPDATE SET state = excluded.state, pid = excluded.pid, ready_at = excluded.ready_at,
                stopped_at = excluded.stopped_at, error = excluded.error, kind = excluded.kind;
            """,
            ("$kind", instance.Kind),
            ("$id", instance.Id),
            ("$fn", instance.FunctionName),
            ("$version", instance.Version),
            ("$state", instance.State),
            ("$pid", instance.Pid),
            ("$started", Format(instance.StartedAt)),
            ("$ready", Format(instance.ReadyAt)),
            ("$stopped", Format(instance.StoppedAt)),
            ("$error", instance.Error),
            ("$log", instance.LogPath));

    /// <summary>Instances the store still believes are running (left over from a server that did not stop cleanly).</summary>
    public IReadOnlyList<(string Id, string Function, int? Pid)> Unfinished()
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, function_name, pid FROM instances WHERE stopped_at IS NULL AND state NOT IN ('Stopped', 'Failed');";
        using var reader = command.ExecuteReader();
        var result = new List<(string, string, int?)>();
        while (reader.Read())
        {
            result.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2)));
        }

        return result;
    }

    /// <summary>
    /// The most recent <paramref name="limit"/> instances of <paramref name="function"/> that have ended, as the store
    /// has them: what <c>instances --all</c> shows of those a previous server run started.
    /// </summary>
    public IReadOnlyList<InstanceInfo> Ended(string function, int limit)
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, state, kind, version, pid, started_at, ready_at, stopped_at, error, log_path FROM instances
            WHERE function_name = $fn AND (stopped_at IS NOT NULL OR state IN ('Stopped', 'Failed'))
            ORDER BY started_at DESC LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$fn", function);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var result = new List<InstanceInfo>();
        while (reader.Read())
        {
            result.Add(new InstanceInfo
            {
                Id = reader.GetString(0),
                FunctionName = function,
                State = reader.GetString(1),
                // Rows written before the kind was recorded have the column's default.
                Kind = reader.GetString(2) is "provisioned" ? "provisioned" : "on-demand",
                Version = reader.GetInt64(3),
                Pid = reader.IsDBNull(4) ? null : reader.GetInt32(4),
                StartedAt = Parse(reader.GetString(5))!.Value,
                ReadyAt = reader.IsDBNull(6) ? null : Parse(reader.GetString(6)),
                StoppedAt = reader.IsDBNull(7) ? null : Parse(reader.GetString(7)),
                Error = reader.IsDBNull(8) ? null : reader.GetString(8),
                LogPath = reader.IsDBNull(9) ? null : reader.GetString(9),
            });
        }

        return result;
    }

    public void MarkAbandoned(string id, DateTimeOffset at) =>
        deferred.Write($"instance {id} record (abandoned)", connection => StasisDb.Execute(connection,
            "UPDATE instances SET state = 'Stopped', stopped_at = $at, error = coalesce(error, 'server stopped without stopping it') WHERE id = $id;",
            ("$id", id), ("$at", Format(at))));

    private static DateTimeOffset? Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static string? Format(DateTimeOffset? t) => t?.ToString("O", CultureInfo.InvariantCulture);
}
