using Microsoft.Win32.SafeHandles;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Storage;

/// <summary>
/// One server per data directory: an exclusive <c>flock</c> on <c>DATA/server.lock</c>, held for as long as the server
/// runs. A second server on the same directory would take the first one's instances for orphans and stop them, and
/// both would write the same store and logs; with the lock it waits up to its lock wait for the first to stop (a
/// restart while the old process drains), then refuses to start, naming the process that holds the directory. The
/// kernel lets the lock go when the holder ends, <c>kill -9</c> included, and instance processes never inherit it.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "server.lock";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private readonly SafeFileHandle _handle;

    private DataDirectoryLock(string path, SafeFileHandle handle)
    {
        FilePath = path;
        _handle = handle;
    }

    public string FilePath { get; }

    /// <summary>
    /// Takes the lock of <paramref name="dataDirectory"/> (created if missing), waiting up to <paramref name="wait"/> for
    /// another process to let it go; <paramref name="waiting"/> is told once when it has to wait. Throws
    /// <see cref="StoreUnavailableException"/> when the wait runs out.
    /// </summary>
    public static DataDirectoryLock Acquire(string dataDirectory, TimeSpan wait, Action<string>? waiting = null)
    {
        var directory = Path.GetFullPath(dataDirectory);
        DataDirectoryModes.Prepare(directory);
        var path = Path.Combine(directory, FileName);
        var deadline = DateTime.UtcNow + wait;
        var told = false;
        while (true)
        {
            if (LibC.TryLockExclusive(path) is { } handle)
            {
                return new DataDirectoryLock(path, handle);
            }

            var holder = StoreHolders.DescribeOpen(path);
            if (DateTime.UtcNow >= deadline)
            {
                throw new StoreUnavailableException(
                    $"the data directory {directory} is in use by another Stasis server{holder}, which did not stop within "
                    + $"{wait.TotalSeconds:0.#} s; stop that server, or start this one with another --data directory.");
            }

            if (!told)
            {
                waiting?.Invoke($"the data directory {directory} is in use by another Stasis server{holder}; waiting up to {wait.TotalSeconds:0.#} s for it to stop");
                told = true;
            }

            Thread.Sleep(Poll);
        }
    }

    public void Dispose() => _handle.Dispose();
}
