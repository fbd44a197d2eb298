using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Stasis.Server.Storage;

/// <summary>
/// What start-up checks before it trusts the store (docs/reliability.md, "A damaged store"): that it is a file, not
/// empty where the data directory has been used before, with SQLite's header; then SQLite's <c>quick_check</c>, for at
/// most <see cref="StartupBound"/>. A store that fails any of them stops the start with one message naming the file,
/// what is wrong and what to do. <c>stasis store check</c> runs the full <c>integrity_check</c> without a bound.
/// </summary>
internal static class StoreIntegrity
{
    /// <summary>How long the start-up <c>quick_check</c> may run; past it the start goes on and says the check was cut short.</summary>
    public static readonly TimeSpan StartupBound = TimeSpan.FromSeconds(10);

    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const int SqliteInterrupt = 9;
    private static readonly byte[] Header = "SQLite format 3\0"u8.ToArray();

    /// <summary>Files a data directory that has been used has beside its store: the store cannot be new when one of them is there.</summary>
    private static readonly string[] UsedEvidence = [Security.ServerKey.FileName, Security.ReplayJournal.FileName, "logs"];

    /// <summary>
    /// Throws <see cref="StoreUnavailableException"/> when <paramref name="path"/> cannot be the server's store: a
    /// directory, an empty file in a data directory that has been used, or a file that is not SQLite's.
    /// </summary>
    public static void CheckFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new StoreUnavailableException(
                $"the store {path} is a directory, not the server's SQLite file. Move it away, or restore the file from a backup, or start with another --data directory.");
        }

        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return;
        }

        if (file.Length == 0)
        {
            var directory = Path.GetDirectoryName(path)!;
            var used = UsedEvidence.Where(name => Path.Exists(Path.Combine(directory, name))).ToList();
            if (used.Count > 0)
            {
                throw new StoreUnavailableException(
                    $"the store {path} is empty (0 bytes), though {directory} has been used before (it has {string.Join(", ", used)}): it is not taken for a new store, "
                    + $"which would lose every function, key and bill. Restore it from a backup (stasis store backup makes them); to start afresh instead, remove it: rm '{path}'");
            }

            return; // made by a first start that stopped before SQLite wrote to it
        }

        var start = new byte[Header.Length];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        }

        if (read < Header.Length || !start.AsSpan().SequenceEqual(Header))
        {
            throw new StoreUnavailableException(
                $"the store {path} is not a SQLite database (its first bytes are not SQLite's header): it was overwritten or truncated. "
                + "Restore it from a backup (stasis store backup makes them), or move it away to start afresh.");
        }
    }

    /// <summary>
    /// SQLite's <c>quick_check</c> for at most <paramref name="bound"/>: every page of every table and index read, its
    /// b-tree structure, record format, free list and NOT NULL and CHECK constraints checked (not whether each index
    /// matches its table, nor UNIQUE: <c>stasis store check</c> does). Throws <see cref="StoreUnavailableException"/>
    /// on damage; returns how long it took and whether it finished within the bound.
    /// </summary>
    public static (TimeSpan Took, bool Finished) QuickCheck(SqliteConnection connection, string path, TimeSpan bound)
    {
        if (bound <= TimeSpan.Zero)
        {
            return (TimeSpan.Zero, false);
        }

        var watch = Stopwatch.StartNew();
        using var timer = new Timer(_ => SQLitePCL.raw.sqlite3_interrupt(connection.Handle), null, bound, Timeout.InfiniteTimeSpan);
        try
        {
            var problems = Rows(connection, "PRAGMA quick_check(5);");
            if (problems is not ["ok"])
            {
                throw Damaged(path, string.Join("; ", problems));
            }

            return (watch.Elapsed, true);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteInterrupt)
        {
            return (watch.Elapsed, false);
        }
        catch (SqliteException e) when (IsDamage(e))
        {
            throw Damaged(path, e.Message);
        }
    }

    /// <summary>SQLite's full <c>integrity_check</c>: "ok", or up to <paramref name="most"/> problems, each a line.</summary>
    public static IReadOnlyList<string> FullCheck(SqliteConnection connection, int most = 20)
    {
        try
        {
            return Rows(connection, $"PRAGMA integrity_check({most});");
        }
        catch (SqliteException e) when (IsDamage(e))
        {
            return [e.Message];
        }
    }

    /// <summary>Whether <paramref name="e"/> says the file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB), rather than busy or full.</summary>
    public static bool IsDamage(SqliteException e) => e.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase;

    public static StoreUnavailableException Damaged(string path, string what, Exception? inner = null)
    {
        var message = $"the store {path} is damaged ({what}). Restore it from a backup: {RestoreSteps(path)}. "
            + $"`stasis store check --data {Path.GetDirectoryName(path)}` lists what is damaged; {RecoverSteps(path)}.";
        return inner is null ? new StoreUnavailableException(message) : new StoreUnavailableException(message, inner);
    }

    /// <summary>How a damaged store at <paramref name="path"/> is restored, and what saves what it still holds.</summary>
    public static string Remedy(string path) => $"{RestoreSteps(path)}; {RecoverSteps(path)}";

    private static string RestoreSteps(string path) => $"with the server stopped, copy the backup to {path} and remove {path}-wal and {path}-shm";

    private static string RecoverSteps(string path) => $"`sqlite3 {path} .recover` copies out what is still readable";

    private static List<string> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
