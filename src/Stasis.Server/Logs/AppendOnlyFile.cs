using System.Buffers;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Logs;

/// <summary>
/// A log file written through: each <see cref="AppendLine"/> is one <c>write(2)</c> to a descriptor opened
/// with O_APPEND, so a line is in the file (the kernel's page cache) when the call returns, survives the
/// server being killed, and lines from many threads never interleave. No buffer, no lock, no flush.
/// </summary>
internal sealed class AppendOnlyFile : IDisposable
{
    private const int StackLimit = 1024;
    private readonly SafeFileHandle _handle;

    private AppendOnlyFile(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    public string Path { get; }

    /// <summary>Opens <paramref name="path"/> for appending, creating it and its directory if missing.</summary>
    public static AppendOnlyFile Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // the server's alone, whatever the umask
        }

        using (new FileStream(path, options))
        {
        }

        return new AppendOnlyFile(path, LibC.OpenForAppend(path));
    }

    /// <summary>Appends <paramref name="line"/> and a newline in one write. Throws <see cref="IOException"/> (HResult 28 when the disk is full).</summary>
    public void AppendLine(string line)
    {
        var max = Encoding.UTF8.GetMaxByteCount(line.Length) + 1;
        byte[]? rented = null;
        var buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(line, buffer);
            buffer[length++] = (byte)'\n';
            LibC.WriteAll(_handle, buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public void Dispose() => _handle.Dispose();
}
