using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Stasis.Client.Model;
using Stasis.Server.Storage;
using Stasis.Server.Functions;

namespace Stasis.Server.Storage.Sqlite;

/// <summary>Functions in the store.</summary>
internal sealed class SqliteFunctionCatalog(StasisDb db) : IFunctionCatalog
{
    public IReadOnlyList<FunctionRecord> List()
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT spec_json, version, created_at, updated_at FROM functions ORDER BY name;";
        using var reader = command.ExecuteReader();
        var result = new List<FunctionRecord>();
        while (reader.Read())
        {
            result.Add(Read(reader));
        }

        return result;
    }

    public FunctionRecord? Get(string name)
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT spec_json, version, created_at, updated_at FROM functions WHERE name = $name;";
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public void Upsert(FunctionRecord record)
    {
        using var connection = db.Open();
        StasisDb.Execute(connection,
            """
            INSERT INTO functions (name, spec_json, version, created_at, updated_at)
            VALUES ($name, $spec, $version, $created, $updated)
            ON CONFLICT(name) DO UPDATE SET spec_json = excluded.spec_json, version = excluded.version, updated_at = excluded.updated_at;
            """,
            ("$name", record.Spec.FunctionName),
            ("$spec", JsonSerializer.Serialize(record.Spec, JsonDefaults.Options)),
            ("$version", record.Version),
            ("$created", record.CreatedAt.ToString("O", CultureInfo.InvariantCulture)),
            ("$updated", record.UpdatedAt.ToString("O", CultureInfo.InvariantCulture)));
    }

    public bool Delete(string name)
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM functions WHERE name = $name;";
        command.Parameters.AddWithValue("$name", name);
        return command.ExecuteNonQuery() > 0;
    }

    private static FunctionRecord Read(SqliteDataReader reader) => new(
        JsonSerializer.Deserialize<FunctionSpec>(reader.GetString(0), JsonDefaults.Options)!,
        reader.GetInt64(1),
        DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
        DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture));
}
