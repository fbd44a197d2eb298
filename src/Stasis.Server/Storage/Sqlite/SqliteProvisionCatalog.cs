using System.Globalization;
using System.Text.Json.Nodes;
using Stasis.Server.Storage;
using Stasis.Server.Functions;

namespace Stasis.Server.Storage.Sqlite;

/// <summary>Provision configs in the store.</summary>
internal sealed class SqliteProvisionCatalog(StasisDb db) : IProvisionCatalog
{
    public IReadOnlyList<ProvisionRecord> List()
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT function_name, qualifier, default_target, always_allocate_cpu, always_allocate_gpu, scheduled_actions, target_tracking, updated_at FROM provision_configs ORDER BY function_name, qualifier;";
        using var reader = command.ExecuteReader();
        var result = new List<ProvisionRecord>();
        while (reader.Read())
        {
            result.Add(new ProvisionRecord(
                reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3) != 0, reader.GetInt64(4) != 0,
                JsonNode.Parse(reader.GetString(5))!.AsArray(), JsonNode.Parse(reader.GetString(6))!.AsArray(),
                DateTimeOffset.Parse(reader.GetString(7), CultureInfo.InvariantCulture)));
        }

        return result;
    }

    public ProvisionRecord? Get(string function, string qualifier) =>
        List().FirstOrDefault(p => p.FunctionName == function && p.Qualifier == qualifier);

    public void Upsert(ProvisionRecord record)
    {
        using var connection = db.Open();
        StasisDb.Execute(connection,
            """
            INSERT INTO provision_configs (function_name, qualifier, default_target, always_allocate_cpu, always_allocate_gpu, scheduled_actions, target_tracking, updated_at)
            VALUES ($fn, $q, $target, $cpu, $gpu, $scheduled, $tracking, $updated)
            ON CONFLICT(function_name, qualifier) DO UPDATE SET default_target = excluded.default_target,
                always_allocate_cpu = excluded.always_allocate_cpu, always_allocate_gpu = excluded.always_allocate_gpu,
                scheduled_actions = excluded.scheduled_actions, target_tracking = excluded.target_tracking, updated_at = excluded.updated_at;
            """,
            ("$fn", record.FunctionName), ("$q", record.Qualifier), ("$target", record.DefaultTarget),
            ("$cpu", record.AlwaysAllocateCpu ? 1 : 0), ("$gpu", record.AlwaysAllocateGpu ? 1 : 0),
            ("$scheduled", record.ScheduledActions.ToJsonString()), ("$tracking", record.TargetTrackingPolicies.ToJsonString()),
            ("$updated", record.UpdatedAt.ToString("O", CultureInfo.InvariantCulture)));
    }

    public void Delete(string function)
    {
        using var connection = db.Open();
        StasisDb.Execute(connection, "DELETE FROM provision_configs WHERE function_name = $fn;", ("$fn", function));
    }
}
