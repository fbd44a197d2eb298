using System.Globalization;
using Stasis.Server.Storage;
using Stasis.Server.Security;

namespace Stasis.Server.Storage.Sqlite;

/// <summary>
/// The <c>access_keys</c> table: id, name, scope, the secret's SHA-256 sealed with the <see cref="ServerKey"/>, creation, revocation and last use. The
/// last use is written on the request path, so it goes through <see cref="DeferredWrites"/>: a locked store or a
/// full disk never fails or holds up an authenticated request.
/// </summary>
internal sealed class SqliteAccessKeyCatalog(StasisDb db, DeferredWrites deferred, ServerKey serverKey) : IAccessKeyCatalog
{
    // What secret_sha256 holds once the secret is sealed: nothing that signs.
    private static readonly byte[] Cleared = new byte[32];

    public IReadOnlyList<AccessKey> List()
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, scope, secret_sha256, created_at, revoked_at, last_used_at, secret_sealed FROM access_keys ORDER BY created_at, id;";
        using var reader = command.ExecuteReader();
        var keys = new List<AccessKey>();
        var legacy = new List<(string Id, byte[] Secret)>();
        while (reader.Read())
        {
            var scopeText = reader.GetString(2);
            if (!AccessKeyScope.TryParse(scopeText, out var scope, out _))
            {
                throw new InvalidOperationException($"access key {reader.GetString(0)} in {db.FilePath} has scope '{scopeText}', which this Stasis does not know.");
            }

            var id = reader.GetString(0);
            var secret = reader.IsDBNull(7) ? (byte[])reader.GetValue(3) : serverKey.Open(id, (byte[])reader.GetValue(7));
            keys.Add(new AccessKey(id, reader.GetString(1), scope, secret, Time(reader.GetString(4)),
                reader.IsDBNull(5) ? null : Time(reader.GetString(5)), reader.IsDBNull(6) ? null : Time(reader.GetString(6))));
            if (reader.IsDBNull(7))
            {
                legacy.Add((id, secret));
            }
        }

        reader.Close();
        // A store from before sealing: its keys keep working, and what it holds of them stops signing.
        foreach (var (id, secret) in legacy)
        {
            StasisDb.Execute(connection, "UPDATE access_keys SET secret_sealed = $sealed, secret_sha256 = $cleared WHERE id = $id;",
                ("$id", id), ("$sealed", serverKey.Seal(id, secret)), ("$cleared", Cleared));
        }

        return keys;
    }

    public void Insert(AccessKey key)
    {
        using var connection = db.Open();
        StasisDb.Execute(connection,
            "INSERT INTO access_keys (id, name, scope, secret_sha256, secret_sealed, created_at) VALUES ($id, $name, $scope, $hash, $sealed, $created);",
            ("$id", key.Id), ("$name", key.Name), ("$scope", key.Scope.Text), ("$hash", Cleared), ("$sealed", serverKey.Seal(key.Id, key.SecretHash)), ("$created", Text(key.CreatedAt)));
    }

    /// <summary>Makes the key <paramref name="key"/> describes exist as given, active, whatever was stored under its id.</summary>
    public void Ensure(AccessKey key)
    {
        using var connection = db.Open();
        StasisDb.Execute(connection,
            """
            INSERT INTO access_keys (id, name, scope, secret_sha256, secret_sealed, created_at) VALUES ($id, $name, $scope, $hash, $sealed, $created)
            ON CONFLICT(id) DO UPDATE SET scope = excluded.scope, secret_sha256 = excluded.secret_sha256, secret_sealed = excluded.secret_sealed, revoked_at = NULL;
            """,
            ("$id", key.Id), ("$name", key.Name), ("$scope", key.Scope.Text), ("$hash", Cleared), ("$sealed", serverKey.Seal(key.Id, key.SecretHash)), ("$created", Text(key.CreatedAt)));
    }

    public void Revoke(string id, DateTimeOffset at)
    {
        using var connection = db.Open();
        StasisDb.Execute(connection, "UPDATE access_keys SET revoked_at = $at WHERE id = $id AND revoked_at IS NULL;", ("$id", id), ("$at", Text(at)));
    }

    public void SetLastUsed(string id, DateTimeOffset at) =>
        deferred.Write($"access key {id} last use", connection =>
            StasisDb.Execute(connection, "UPDATE access_keys SET last_used_at = $at WHERE id = $id;", ("$id", id), ("$at", Text(at))));

    private static string Text(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
