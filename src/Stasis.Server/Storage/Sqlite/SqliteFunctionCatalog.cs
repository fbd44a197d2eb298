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
    public IReadOnlyList<FunctionRecord> List() => Snapshot().Functions;

    public FunctionRecord? Get(string name)
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT spec_json, version, created_at, updated_at FROM functions WHERE name = $name;";
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public long Revision()
    {
        using var connection = db.Open();
        return Revision(connection, null);
    }

    public (long Revision, IReadOnlyList<FunctionRecord> Functions) Snapshot()
    {
        using var connection = db.Open();
        using var transaction = connection.BeginTransaction();
        var revision = Revision(connection, transaction);
        using var command = StasisDb.Command(connection, transaction, "SELECT spec_json, version, created_at, updated_at FROM functions ORDER BY name;");
        using var reader = command.ExecuteReader();
        var list = new List<FunctionRecord>();
        while (reader.Read())
        {
            list.Add(Read(reader));
        }

        return (revision, list);
    }

    public void Upsert(FunctionRecord record)
    {
        using var connection = db.Open();
        using var transaction = connection.BeginTransaction();
        using (var command = StasisDb.Command(connection, transaction,
            """
            INSERT INTO functions (name, spec_json, version, created_at, updated_at)
            VALUES ($name, $spec, $version, $created, $updated)
            ON CONFLICT(name) DO UPDATE SET spec_json = excluded.spec_json, version = excluded.version, updated_at = excluded.updated_at;
            """))
        {
            command.Parameters.AddWithValue("$name", record.Spec.FunctionName);
            command.Parameters.AddWithValue("$spec", JsonSerializer.Serialize(record.Spec, JsonDefaults.Options));
            command.Parameters.AddWithValue("$version", record.Version);
            command.Parameters.AddWithValue("$created", record.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$updated", record.UpdatedAt.ToString("O", CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        }

        Bump(connection, transaction);
        transaction.Commit();
    }

    public bool Delete(string name)
    {
        using var connection = db.Open();
        using var transaction = connection.BeginTransaction();
        bool deleted;
        using (var command = StasisDb.Command(connection, transaction, "DELETE FROM functions WHERE name = $name;"))
        {
            command.Parameters.AddWithValue("$name", name);
            deleted = command.ExecuteNonQuery() > 0;
        }

        if (deleted)
        {
            Bump(connection, transaction);
        }

        transaction.Commit();
        return deleted;
    }

    private static long Revision(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = StasisDb.Command(connection, transaction, "SELECT revision FROM catalog_revision WHERE id = 1;");
        return (long)command.ExecuteScalar()!;
    }

    // The revision moves in the same transaction as the change: a reader never sees one without the other.
    private static void Bump(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = StasisDb.Command(connection, transaction, "UPDATE catalog_revision SET revision = revision + 1 WHERE id = 1;");
        command.ExecuteNonQuery();
    }


    private static FunctionRecord Read(SqliteDataReader reader) => new(
        JsonSerializer.Deserialize<FunctionSpec>(reader.GetString(0), JsonDefaults.Options)!,
        reader.GetInt64(1),
        DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
        DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture));
}
