using Microsoft.Data.Sqlite;

namespace Stasis.Server.Storage;

/// <summary>Why the store could not take a write, when it is something the user can fix.</summary>
internal enum StoreFault
{
    /// <summary>Another process holds the store's write lock (SQLITE_BUSY or SQLITE_LOCKED past the busy timeout).</summary>
    Busy,

    /// <summary>The data directory's file system has no space left (SQLITE_FULL, ENOSPC, EDQUOT).</summary>
    Full,

    /// <summary>A page of the store is damaged (SQLITE_CORRUPT, SQLITE_NOTADB): what is on it cannot be read or written.</summary>
    Damaged,
}

/// <summary>
/// Recognises the store faults in what SQLite and the file system throw, and says what to do about
/// each: the control API answers them as 503 <c>StoreBusy</c> and 507 <c>InsufficientStorage</c>, the
/// writers that cannot fail (meter, instance records, metrics) keep what they could not write and retry.
/// </summary>
internal static class StoreFaults
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteFull = 13;
    private const int NoSpace = 28;     // ENOSPC
    private const int QuotaExceeded = 122; // EDQUOT

    /// <summary>The fault behind <paramref name="exception"/> (or one it wraps); null for anything else.</summary>
    public static StoreFault? Classify(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked }:
                    return StoreFault.Busy;
                case SqliteException { SqliteErrorCode: SqliteFull }:
                    return StoreFault.Full;
                case SqliteException damaged when StoreIntegrity.IsDamage(damaged):
                    return StoreFault.Damaged;
                case IOException { HResult: NoSpace or QuotaExceeded }:
                    return StoreFault.Full;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="exception"/> is an I/O failure of the disk that is full.</summary>
    public static bool IsDiskFull(Exception exception) => Classify(exception) == StoreFault.Full;

    /// <summary>Whether <paramref name="exception"/> is the store failing (its engine, its file, a closed connection), which a background writer outlives.</summary>
    public static bool IsStoreError(Exception exception) =>
        exception is SqliteException or IOException or InvalidOperationException;

    /// <summary>Bytes the store's engine holds in memory now (SQLite's own allocator), for the status.</summary>
    public static long EngineMemoryBytes() => SQLitePCL.raw.sqlite3_memory_used();

    /// <summary>
    /// What the user sees, naming the file and what to do. Example: "the store /srv/.stasis/stasis.db is
    /// locked by another process (pid 4242 python3); the change was not saved. Retry shortly, or end that
    /// process's transaction."
    /// </summary>
    public static string Describe(StoreFault fault, string storeFile) => fault switch
    {
        StoreFault.Busy =>
            $"the store {storeFile} is locked by another process{StoreHolders.Describe(storeFile)}; the change was not saved. "
            + "Retry shortly, or end that process's transaction.",
        StoreFault.Damaged =>
            $"the store {storeFile} is damaged; what was asked for is on a page that cannot be read. Stop the server and restore the store from a backup "
            + $"(`stasis store check --data {Path.GetDirectoryName(storeFile)}` lists what is damaged).",
        _ =>
            $"the data directory {Path.GetDirectoryName(storeFile)} is full; the change was not saved. "
            + "Free space on that file system (or move --data to a larger one), then retry.",
    };
}
