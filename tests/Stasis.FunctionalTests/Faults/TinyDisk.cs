using System.Diagnostics;

namespace Stasis.FunctionalTests.Faults;

/// <summary>
/// A small tmpfs mounted for one test (the tests run as root), that the test can fill to the last byte and
/// free again. Unmounted on disposal. A host where the mount is refused fails the test with the reason.
/// </summary>
public sealed class TinyDisk : IDisposable
{
    private readonly string _filler;

    public TinyDisk(string sizeOption = "8m")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stasis-disk-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={sizeOption}", "tmpfs", Path);
        if (code != 0)
        {
            Directory.Delete(Path);
            throw new InvalidOperationException(
                $"`mount -t tmpfs -o size={sizeOption} tmpfs {Path}` failed ({code}: {output.Trim()}); the disk-full tests need root and tmpfs.");
        }

        _filler = System.IO.Path.Combine(Path, "filler.bin");
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Writes a file until the file system has no byte left (ENOSPC).</summary>
    public void Fill()
    {
        var block = new byte[64 * 1024];
        using var file = new FileStream(_filler, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException e) when (e.HResult == 28)
        {
        }

        // What a 64 KB block did not fit, byte by byte up to the block's size.
        var one = new byte[1];
        try
        {
            for (var i = 0; i < block.Length; i++)
            {
                file.Write(one);
            }
        }
        catch (IOException e) when (e.HResult == 28)
        {
        }
    }

    /// <summary>Deletes what <see cref="Fill"/> wrote.</summary>
    public void Free() => File.Delete(_filler);

    public void Dispose()
    {
        var (code, _) = Run("umount", Path);
        if (code != 0)
        {
            Run("umount", "-l", Path); // something still holds a file there: detach now, free when it lets go
        }

        try
        {
            Directory.Delete(Path);
        }
        catch (IOException)
        {
        }
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(psi)!;
        var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
