using System.Globalization;
using Stasis.Client.Model;
using Stasis.Server.Scheduling;
using Stasis.Server.Storage;

namespace Stasis.Server.Instances;

/// <summary>
/// Instance records in the store: one row per instance, updated at each change of state. Writes go through
/// <see cref="DeferredWrites"/>, so a locked store or a full disk never holds up or fails an instance's start or stop.
/// </summary>
internal sealed class InstanceStore(StasisDb db, DeferredWrites deferred) : IInstanceJournal
{
    public void Record(InstanceInfo instance) =>
        deferred.Write($"instance {instance.Id} record ({instance.State})", connection => Upsert(connection, instance));

    private static void Upsert(Microsoft.Data.Sqlite.SqliteConnection connection, InstanceInfo instance) =>
        StasisDb.Execute(connection,
            """
            INSERT INTO instances (id, function_name, version, state, pid, started_at, ready_at, stopped_at, error, log_path)
            VALUES ($id, $fn, $version, $state, $pid, $started, $ready, $stopped, $error, $log)
            ON CONFLICT(id) DO UPDATE SET state = excluded.state, pid = excluded.pid, ready_at = excluded.ready_at,
                stopped_at = excluded.stopped_at, error = excluded.error;
            """,
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

    public void MarkAbandoned(string id, DateTimeOffset at) =>
        deferred.Write($"instance {id} record (abandoned)", connection => StasisDb.Execute(connection,
            "UPDATE instances SET state = 'Stopped', stopped_at = $at, error = coalesce(error, 'server stopped without stopping it') WHERE id = $id;",
            ("$id", id), ("$at", Format(at))));

    private static string? Format(DateTimeOffset? t) => t?.ToString("O", CultureInfo.InvariantCulture);
}
