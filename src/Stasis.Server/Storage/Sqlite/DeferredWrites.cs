using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Stasis.Server.Storage;

/// <summary>
/// Store writes that must neither fail nor hold up their caller: instance records (written as instances
/// start and stop, so the gateway's cold starts go through here), the autoscaler's decisions and access
/// keys' last use (written on the request path). A write
/// goes to the store at once while nothing is waiting; when the store is locked by another process or the
/// disk is full it is kept, in order, behind the others, and <see cref="Drain"/> (every second, and at
/// shutdown) writes them as soon as the store takes writes again.
/// </summary>
/// <remarks>
/// At most <see cref="Capacity"/> writes wait; beyond that the oldest is dropped and counted. A server
/// killed while writes wait loses them: instance rows are informational (the next server finds its
/// predecessor's instances by their cgroups), decisions are history.
/// </remarks>
internal sealed class DeferredWrites(StasisDb db, StoreHealth health, ILogger<DeferredWrites> logger)
{
    public const int Capacity = 100_000;

    /// <summary>How long a write waits for the store's lock before it is kept for later.</summary>
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Queue<(string What, Action<SqliteConnection> Write)> _waiting = new();
    private int _count;
    private long _dropped;

    /// <summary>How many writes wait for the store. Never blocks (a write may be holding the queue).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Writes dropped because more than <see cref="Capacity"/> waited.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Runs <paramref name="write"/> on a connection now if nothing waits, else queues it; a store fault
    /// queues it too. <paramref name="what"/> names it in the server's log (e.g. "instance fn-1a2b record").
    /// Other exceptions are bugs and reach the caller.
    /// </summary>
    public void Write(string what, Action<SqliteConnection> write)
    {
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                try
                {
                    using var connection = db.Open(BusyTimeout);
                    write(connection);
                    health.Succeeded();
                    return;
                }
                catch (Exception e) when (StoreFaults.Classify(e) is { } fault)
                {
                    health.Failed(fault, "instance records, scaling decisions and key uses", e);
                }
            }

            if (_waiting.Count >= Capacity)
            {
                var (oldest, _) = _waiting.Dequeue();
                if (Interlocked.Increment(ref _dropped) == 1)
                {
                    logger.LogError("store: more than {Capacity} writes wait; dropping the oldest ({What}) and counting the rest", Capacity, oldest);
                }
            }

            _waiting.Enqueue((what, write));
            Volatile.Write(ref _count, _waiting.Count);
        }
    }

    /// <summary>
    /// Writes what waits, oldest first, in one transaction; on a store fault nothing is taken off and the
    /// next call tries again. Returns how many still wait.
    /// </summary>
    public int Drain()
    {
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                if (health.Current.Fault is { } fault)
                {
                    Probe(fault);
                }

                return 0;
            }

            var done = 0;
            try
            {
                using var connection = db.Open(BusyTimeout);
                using var tx = connection.BeginTransaction();
                foreach (var (what, write) in _waiting)
                {
                    try
                    {
                        write(connection);
                    }
                    catch (Exception e) when (StoreFaults.Classify(e) is null && e is SqliteException)
                    {
                        // A write the store refuses for good (not busy, not full) would block the rest forever.
                        logger.LogError(e, "store: dropping a deferred write that the store refuses ({What})", what);
                    }

                    done++;
                }

                tx.Commit();
            }
            catch (Exception e) when (StoreFaults.Classify(e) is { } fault)
            {
                health.Failed(fault, "instance records, scaling decisions and key uses", e);
                return _waiting.Count;
            }

            for (var i = 0; i < done; i++)
            {
                _waiting.Dequeue();
            }

            Volatile.Write(ref _count, _waiting.Count);
            health.Succeeded();
            return _waiting.Count;
        }
    }

    /// <summary>
    /// Nothing waits, but the store was last found failing (a refused control API write, say): finds out whether
    /// it would take a write now, so that the status does not keep reporting a fault that has gone. Busy: the
    /// write lock can be had. Full: the file system has room again (at least <see cref="ProbeFreeBytes"/>).
    /// </summary>
    private void Probe(StoreFault fault)
    {
        try
        {
            if (fault == StoreFault.Full && new DriveInfo(Path.GetDirectoryName(db.FilePath)!).AvailableFreeSpace < ProbeFreeBytes)
            {
                return;
            }

            using var connection = db.Open(BusyTimeout);
            StasisDb.Execute(connection, "BEGIN IMMEDIATE; ROLLBACK;");
            health.Succeeded();
        }
        catch (Exception e) when (StoreFaults.Classify(e) is not null || e is IOException)
        {
            // Still failing: the next drain looks again.
        }
    }

    private const long ProbeFreeBytes = 1 << 20;
}
