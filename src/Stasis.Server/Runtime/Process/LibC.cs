using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Stasis.Server.Runtime.Process;

/// <summary>The few libc calls .NET has no API for: setns, kill with any signal, open of a namespace file, appends with O_APPEND, flock.</summary>
// Signal numbers are those of x86-64 and arm64 Linux, the platforms the server runs on.
internal static partial class LibC
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;
    private const int CloneNewNet = 0x40000000;
    private const int OReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC
    private const int OWriteAppendCloseOnExec = 0x80401; // O_WRONLY | O_APPEND | O_CLOEXEC
    private const int OReadWriteCreateCloseOnExec = 0x80042; // O_RDWR | O_CREAT | O_CLOEXEC
    private const int LockExclusiveNonBlocking = 2 | 4; // LOCK_EX | LOCK_NB
    private const int EWOULDBLOCK = 11;
    private const int ESRCH = 3;
    private const int EINTR = 4;

    /// <summary>Opens a <c>/proc/&lt;pid&gt;/ns/*</c> file; the namespace lives as long as the handle.</summary>
    public static SafeFileHandle OpenNamespace(string path)
    {
        var fd = Open(path, OReadOnlyCloseOnExec, 0);
        if (fd < 0)
        {
            throw new IOException($"open {path}: errno {Marshal.GetLastPInvokeError()}");
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Opens an existing file for appending with O_APPEND: every write lands at the end, atomically, however
    /// many threads write at once, so no lock and no position are needed.
    /// </summary>
    public static SafeFileHandle OpenForAppend(string path)
    {
        var fd = Open(path, OWriteAppendCloseOnExec, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"open {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Writes all of <paramref name="bytes"/> with write(2), in as many calls as it takes; the bytes are with
    /// the kernel when it returns (they survive the process being killed). Throws <see cref="IOException"/>
    /// whose HResult is the errno (28 when the disk is full).
    /// </summary>
    public static unsafe void WriteAll(SafeFileHandle file, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            var done = 0;
            while (done < bytes.Length)
            {
                var written = WriteBytes(file, start + done, (nuint)(bytes.Length - done));
                if (written < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                    {
                        continue;
                    }

                    throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
                }

                done += (int)written;
            }
        }
    }

    /// <summary>
    /// Opens (creating it, mode 0644) a lock file and takes an exclusive <c>flock</c> on it without waiting: the handle,
    /// or null when another open file holds the lock. The descriptor is close-on-exec, so no child process keeps the
    /// lock, and the kernel lets it go when the process ends, however it ends.
    /// </summary>
    public static SafeFileHandle? TryLockExclusive(string path)
    {
        var fd = Open(path, OReadWriteCreateCloseOnExec, 0x180); // 0600: the server's alone
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"open {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        while (Flock(handle, LockExclusiveNonBlocking) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
            {
                continue;
            }

            handle.Dispose();
            if (errno == EWOULDBLOCK)
            {
                return null;
            }

            throw new IOException($"flock {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        return handle;
    }

    /// <summary>Moves the calling thread into the network namespace; returns 0 or errno.</summary>
    public static int EnterNetworkNamespace(SafeFileHandle ns) =>
        SetNs(ns, CloneNewNet) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Sends a signal to a pid (or, negative, a process group); false when there is no such process.</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0 || Marshal.GetLastPInvokeError() != ESRCH;

    /// <summary>Whether a pid (or, negative, a process group) exists: signal 0 checks without sending.</summary>
    public static bool Exists(int pid) => Signal(pid, 0);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(SafeFileHandle fd, int nstype);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteBytes(SafeFileHandle fd, byte* buffer, nuint count);
}
