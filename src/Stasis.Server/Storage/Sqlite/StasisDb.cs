using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Stasis.Server.Storage;

/// <summary>
/// The embedded store: one SQLite file under the data directory, WAL mode, migrated at start-up.
/// Every statement is parameterised; callers open a short-lived pooled connection per operation.
/// </summary>
/// <remarks>
/// Another process may hold the file's write lock (a <c>sqlite3</c> shell in a transaction, a backup
/// tool). At start-up the server waits up to its lock wait for it and then stops with
/// <see cref="StoreUnavailableException"/>; later, a write waits up to <see cref="BusyTimeout"/> and then
/// fails with SQLITE_BUSY, which <see cref="StoreFaults"/> recognises. Readers are never blocked (WAL).
/// </remarks>
internal sealed class StasisDb
{
    /// <summary>How long a write waits for another writer's lock before it fails (the control API's writes).</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long start-up waits for another process to release the store, by default.</summary>
    public static readonly TimeSpan DefaultLockWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Each connection's page cache, in KiB. SQLite's default, 2 MB, fills over the first tens of minutes of a load as
    /// the store grows, and its 4 KB blocks spread over malloc's arenas: the server's resident size grew by 3 MB that
    /// way in the soak benchmark (docs/reliability.md, "Memory"). It buys little here: the server writes all the time,
    /// a connection drops its cache whenever another has written, and the pages it reads again come from the kernel's
    /// page cache.
    /// </summary>
    public const int PageCacheKiB = 512;

    // Per-connection settings: FK enforcement, no fsync per commit (WAL keeps commits atomic), and a page cache of
    // PageCacheKiB instead of SQLite's 2 MB. Formatted once: Open runs it on every connection it hands out.
    private static readonly string ConnectionPragmas = string.Create(CultureInfo.InvariantCulture,
        $"PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-{PageCacheKiB};");

    /// <summary>The store's file in the data directory.</summary>
    public const string FileName = "stasis.db";

    private readonly string _connectionString;

    /// <param name="dataDirectory">Created if missing.</param>
    /// <param name="lockWait">How long to wait for another process's write lock at start-up (default <see cref="DefaultLockWait"/>).</param>
    /// <param name="waiting">Told once, with the reason, when start-up has to wait for that lock.</param>
    /// <param name="checkTimeout">How long the start-up quick_check may run (default <see cref="StoreIntegrity.StartupBound"/>); zero skips it.</param>
    public StasisDb(string dataDirectory, TimeSpan? lockWait = null, Action<string>? waiting = null, TimeSpan? checkTimeout = null)
    {
        FilePath = Path.GetFullPath(Path.Combine(dataDirectory, FileName));
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Default,
            Pooling = true,
        }.ToString();

        var wait = lockWait ?? DefaultLockWait;
        try
        {
            DataDirectoryModes.Prepare(Path.GetFullPath(dataDirectory));
            StoreIntegrity.CheckFile(FilePath);
            DataDirectoryModes.CreatePrivateFile(FilePath);
            using var connection = Open();
            WaitForWriteLock(connection, wait, waiting);
            Execute(connection, "PRAGMA journal_mode=WAL;");
            StartupCheck = StoreIntegrity.QuickCheck(connection, FilePath, checkTimeout ?? StoreIntegrity.StartupBound);
            Migrations.Apply(connection);
        }
        catch (SqliteException e) when (StoreIntegrity.IsDamage(e))
        {
            throw StoreIntegrity.Damaged(FilePath, e.Message, e);
        }
        catch (Exception e) when (StoreFaults.Classify(e) is { } fault)
        {
            throw new StoreUnavailableException(fault == StoreFault.Busy
                ? $"the store {FilePath} is locked by another process{StoreHolders.Describe(FilePath)}, which kept it for more than "
                  + $"{wait.TotalSeconds:0.#} s; end that process's transaction (or stop it), or start the server with another --data directory."
                : $"the data directory {Path.GetDirectoryName(FilePath)} is full; free space on that file system (or use another --data directory).", e);
        }
    }

    public string FilePath { get; }

    /// <summary>How long the start-up <c>quick_check</c> took, and whether it finished within its bound (<see cref="StoreIntegrity"/>).</summary>
    public (TimeSpan Took, bool Finished) StartupCheck { get; }

    /// <summary>A connection whose writes wait up to <see cref="BusyTimeout"/> for the lock.</summary>
    public SqliteConnection Open() => Open(BusyTimeout);

    /// <summary>A connection whose writes wait up to <paramref name="busyTimeout"/> (whole seconds, at least one) for the lock.</summary>
    public SqliteConnection Open(TimeSpan busyTimeout)
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        SetBusyTimeout(connection, busyTimeout);
        Execute(connection, ConnectionPragmas);
        return connection;
    }

    /// <summary>
    /// How long a statement waits for another writer: SQLite's busy handler, then Microsoft.Data.Sqlite's
    /// own retries up to the command timeout, whose unit is the second (and 0 would mean for ever).
    /// </summary>
    private static void SetBusyTimeout(SqliteConnection connection, TimeSpan timeout)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        connection.DefaultTimeout = seconds;
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={seconds * 1000};"));
    }

    /// <summary>A command on <paramref name="connection"/>, in <paramref name="transaction"/> when one is open.</summary>
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    public static void Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Takes the write lock and lets it go, waiting up to <paramref name="wait"/> when another process
    /// holds it: what start-up would otherwise find out halfway through recovering the meter.
    /// </summary>
    private void WaitForWriteLock(SqliteConnection connection, TimeSpan wait, Action<string>? waiting)
    {
        try
        {
            SetBusyTimeout(connection, TimeSpan.FromSeconds(1));
            Execute(connection, "BEGIN IMMEDIATE; ROLLBACK;");
        }
        catch (SqliteException e) when (StoreFaults.Classify(e) == StoreFault.Busy)
        {
            waiting?.Invoke($"the store {FilePath} is locked by another process{StoreHolders.Describe(FilePath)}; waiting up to {wait.TotalSeconds:0.#} s for it");
            SetBusyTimeout(connection, wait);
            Execute(connection, "BEGIN IMMEDIATE; ROLLBACK;");
        }
        finally
        {
            SetBusyTimeout(connection, BusyTimeout);
        }
    }
}
