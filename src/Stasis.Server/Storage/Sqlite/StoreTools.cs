using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Stasis.Server.Storage;

/// <summary>
/// <c>stasis store backup</c> and <c>stasis store check</c>: what an operator does to the store file itself, whether
/// the server runs or not (the store is in WAL mode: a reader never blocks the server's writes, nor they it).
/// </summary>
public static class StoreTools
{
    /// <summary>What a backup wrote: the file, its size, and how long it took.</summary>
    public sealed record BackupResult(string File, long Bytes, TimeSpan Took);

    /// <summary>What a check found: "ok", or the problems, and how long it took.</summary>
    public sealed record CheckResult(string Store, long Bytes, IReadOnlyList<string> Problems, TimeSpan Took)
    {
        public bool Ok => Problems is ["ok"];

        /// <summary>What to do about a damaged store, as the server's own refusal says it.</summary>
        public string Remedy => StoreIntegrity.Remedy(Store);
    }

    /// <summary>The store file of <paramref name="dataDirectory"/>, checked to be one (a directory, an empty or foreign file are refused).</summary>
    public static string StoreOf(string dataDirectory)
    {
        var store = Path.GetFullPath(Path.Combine(dataDirectory, StasisDb.FileName));
        if (!File.Exists(store) && !Directory.Exists(store))
        {
            throw new StoreUnavailableException($"there is no store at {store}; give the server's data directory with --data.");
        }

        StoreIntegrity.CheckFile(store);
        if (new FileInfo(store).Length == 0)
        {
            throw new StoreUnavailableException($"the store {store} is empty (0 bytes): there is nothing to back up or check.");
        }

        return store;
    }

    /// <summary>
    /// A consistent copy of the store in <paramref name="destination"/>, taken with SQLite's online backup while the
    /// server may be writing: the copy is the store as of one moment, its last committed write included. The file is
    /// made 0600 and must not exist. The access keys in it are sealed with the server key, which is not in it.
    /// </summary>
    public static BackupResult Backup(string dataDirectory, string destination)
    {
        var store = StoreOf(dataDirectory);
        destination = Path.GetFullPath(destination);
        if (Path.Exists(destination))
        {
            throw new StoreUnavailableException($"{destination} exists; give a new file name (a backup never overwrites).");
        }

        if (Path.GetDirectoryName(destination) is { } folder && !Directory.Exists(folder))
        {
            throw new StoreUnavailableException($"the directory {folder} does not exist; create it, or give a file in another one.");
        }

        var watch = Stopwatch.StartNew();
        DataDirectoryModes.CreatePrivateFile(destination);
        try
        {
            using var source = Open(store, SqliteOpenMode.ReadOnly);
            using var target = Open(destination, SqliteOpenMode.ReadWrite);
            source.BackupDatabase(target);
            // One file on its own: no -wal beside it to lose when it is copied elsewhere.
            StasisDb.Execute(target, "PRAGMA journal_mode=DELETE;");
        }
        catch (Exception e) when (e is SqliteException or IOException)
        {
            File.Delete(destination);
            if (e is SqliteException sqlite && StoreIntegrity.IsDamage(sqlite))
            {
                throw StoreIntegrity.Damaged(store, sqlite.Message, e);
            }

            throw new StoreUnavailableException($"the backup of {store} to {destination} failed: {e.Message}", e);
        }

        return new BackupResult(destination, new FileInfo(destination).Length, watch.Elapsed);
    }

    /// <summary>SQLite's full <c>integrity_check</c> of the store, without a time bound: every page, every index against its table.</summary>
    public static CheckResult Check(string dataDirectory)
    {
        var store = StoreOf(dataDirectory);
        var watch = Stopwatch.StartNew();
        IReadOnlyList<string> problems;
        try
        {
            using var connection = Open(store, SqliteOpenMode.ReadOnly);
            problems = StoreIntegrity.FullCheck(connection);
        }
        catch (SqliteException e) when (StoreIntegrity.IsDamage(e))
        {
            problems = [e.Message];
        }

        return new CheckResult(store, new FileInfo(store).Length, problems, watch.Elapsed);
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        StasisDb.Execute(connection, "PRAGMA busy_timeout=10000;");
        return connection;
    }
}
