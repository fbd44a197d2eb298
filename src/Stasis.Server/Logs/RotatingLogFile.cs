namespace Stasis.Server.Logs;

/// <summary>
/// An <see cref="AppendOnlyFile"/> that never grows past <see cref="MaxBytes"/>: once it has, it becomes
/// <c>PATH.1</c> (replacing the one before) and a new <c>PATH</c> is started, so the file and its one
/// predecessor hold at most twice <see cref="MaxBytes"/> on disk, and always the newest lines.
/// </summary>
internal sealed class RotatingLogFile : IDisposable
{
    private readonly Lock _rotating = new();
    private AppendOnlyFile _file;
    private long _bytes;
    private bool _disposed;

    private RotatingLogFile(AppendOnlyFile file, long bytes, long maxBytes)
    {
        _file = file;
        _bytes = bytes;
        MaxBytes = maxBytes;
    }

    public string Path => _file.Path;

    public long MaxBytes { get; }

    /// <summary>How many times the file was started anew.</summary>
    public int Rotations { get; private set; }

    public static string PreviousPath(string path) => path + ".1";

    public static RotatingLogFile Open(string path, long maxBytes)
    {
        var file = AppendOnlyFile.Open(path);
        return new RotatingLogFile(file, new FileInfo(path).Length, maxBytes);
    }

    /// <summary>Appends a line (one write); throws <see cref="IOException"/> as <see cref="AppendOnlyFile.AppendLine"/> does.</summary>
    public void AppendLine(string line)
    {
        var file = Volatile.Read(ref _file);
        try
        {
            file.AppendLine(line);
        }
        catch (ObjectDisposedException) when (!_disposed)
        {
            file = Volatile.Read(ref _file); // rotated between the read and the write
            file.AppendLine(line);
        }

        // Characters, not bytes: a close enough measure of what was written, at no cost.
        if (Interlocked.Add(ref _bytes, line.Length + 1) > MaxBytes)
        {
            Rotate(file);
        }
    }

    private void Rotate(AppendOnlyFile full)
    {
        lock (_rotating)
        {
            if (_disposed || !ReferenceEquals(_file, full))
            {
                return; // another writer rotated it already
            }

            File.Move(full.Path, PreviousPath(full.Path), overwrite: true);
            Volatile.Write(ref _file, AppendOnlyFile.Open(full.Path));
            Interlocked.Exchange(ref _bytes, 0);
            Rotations++;
            // A write in flight on the old descriptor lands in PATH.1, which is where it belongs.
            full.Dispose();
        }
    }

    public void Dispose()
    {
        lock (_rotating)
        {
            _disposed = true;
            _file.Dispose();
        }
    }
}
