using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Server.Storage;

/// <summary>
/// The data directory is the server's alone (docs/security.md, "What is stored"): made mode 0700 whatever
/// the umask, its store and key files 0600. A directory someone already opened up is refused at start-up with
/// the path and the chmod that fixes it (an empty one is just closed: nothing in it could have been read).
/// </summary>
internal static class DataDirectoryModes
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Files whose mode is checked at start-up: what would let someone read the store or sign as a key.</summary>
    public static readonly string[] PrivateFiles = [StasisDb.FileName, StasisDb.FileName + "-wal", StasisDb.FileName + "-shm", Security.ServerKey.FileName, Security.ReplayJournal.FileName];

    /// <summary>Makes (or checks) <paramref name="directory"/>; throws <see cref="StoreUnavailableException"/> naming the chmod where it is open to others.</summary>
    public static void Prepare(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, OwnerOnly);
            FileModes.Set(directory, OwnerOnly); // CreateDirectory makes missing parents with the umask; this one is exact
            return;
        }

        if ((FileModes.Get(directory) & Others) != 0)
        {
            if (Directory.EnumerateFileSystemEntries(directory).Any())
            {
                throw new StoreUnavailableException(
                    $"the data directory {directory} is open to other users (mode {Mode(directory)}), so they could read its store and keys; close it with: chmod 700 '{directory}'");
            }

            FileModes.Set(directory, OwnerOnly);
        }

        foreach (var name in PrivateFiles)
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path) && (FileModes.Get(path) & Others) != 0)
            {
                throw new StoreUnavailableException($"{path} is readable by other users (mode {Mode(path)}); close it with: chmod 600 '{path}'");
            }
        }
    }

    /// <summary>Creates <paramref name="path"/> empty and 0600 where it does not exist, so that SQLite (which gives its -wal and -shm the store's mode) and the logs start private.</summary>
    public static void CreatePrivateFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            using var _ = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Made meanwhile.
        }
    }

    private static string Mode(string path) => Convert.ToString((int)FileModes.Get(path) & 0x1ff, 8).PadLeft(4, '0');
}
