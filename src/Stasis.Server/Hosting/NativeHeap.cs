using System.Runtime.InteropServices;

namespace Stasis.Server.Hosting;

/// <summary>
/// The process's native heap (glibc malloc): what it holds, and giving back the free memory it keeps.
/// <para>
/// The server's own objects live on the GC heap, but SQLite, the runtime's JIT and the socket and process
/// plumbing allocate with <c>malloc</c> from whichever thread runs them. glibc gives each contending thread an
/// arena of its own (up to 8 per CPU) and returns an arena's free memory to the kernel only from its top, so
/// short-lived allocations spread over many thread-pool threads leave every arena at its high-water mark: under a
/// steady load the resident size climbs for tens of minutes and stays there although the heap in use does not
/// grow (docs/reliability.md, "Memory"). <see cref="Trim"/> is <c>malloc_trim(0)</c>, which hands the free pages
/// of every arena back (<c>MADV_DONTNEED</c>) without moving anything that is in use. The arenas are capped at
/// <see cref="DefaultArenaLimit"/>, so that fewer of them fill up between two trims: from the first allocation by
/// <see cref="ArenaLimitedStart"/>, else from the server's start by <see cref="LimitArenas"/>.
/// </para>
/// On a C library other than glibc (musl) or another OS these calls do not exist: <see cref="Supported"/> is
/// false and the rest do nothing.
/// </summary>
internal static partial class NativeHeap
{
    /// <summary>Arenas the server lets malloc have, unless <c>MALLOC_ARENA_MAX</c> says otherwise.</summary>
    public const int DefaultArenaLimit = 2;

    /// <summary>The environment variable through which glibc itself takes an arena limit.</summary>
    public const string ArenaLimitVariable = "MALLOC_ARENA_MAX";

    private const int MArenaMax = -8; // mallopt's M_ARENA_MAX
    private static readonly Lazy<bool> IsGlibc = new(Probe);
    private static int _arenasLimited;

    /// <summary>Whether the process runs on glibc, whose malloc this class can read and trim.</summary>
    public static bool Supported => IsGlibc.Value;

    /// <summary>
    /// Gives the free memory of every malloc arena back to the kernel; returns the resident bytes that went
    /// (0 when nothing did, or not supported).
    /// </summary>
    public static long Trim()
    {
        if (!Supported)
        {
            return 0;
        }

        var before = ProcessMemory.ResidentAnonymousBytes();
        MallocTrim(0);
        var after = ProcessMemory.ResidentAnonymousBytes();
        return before is { } b && after is { } a && b > a ? b - a : 0;
    }

    /// <summary>
    /// Caps malloc's arenas at <see cref="DefaultArenaLimit"/> for the rest of the process, once, unless
    /// <c>MALLOC_ARENA_MAX</c> is set (glibc then applies that itself, as in a process <see cref="ArenaLimitedStart"/>
    /// started over). Arenas that already exist stay; threads that would have had new ones share those instead. Little of the server's work allocates natively, so
    /// the threads hardly ever wait for each other there.
    /// </summary>
    public static void LimitArenas()
    {
        if (!Supported || ArenaLimitFromEnvironment() is not null || Interlocked.Exchange(ref _arenasLimited, 1) == 1)
        {
            return;
        }

        if (Mallopt(MArenaMax, DefaultArenaLimit) != 1)
        {
            Volatile.Write(ref _arenasLimited, 0);
        }
    }

    /// <summary>The most arenas malloc may have: MALLOC_ARENA_MAX, else the server's limit once set; null for glibc's default (8 per CPU).</summary>
    public static int? ArenaLimit =>
        ArenaLimitFromEnvironment() ?? (Volatile.Read(ref _arenasLimited) == 1 ? DefaultArenaLimit : null);

    private static int? ArenaLimitFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(ArenaLimitVariable), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;

    /// <summary>Bytes malloc has handed out and not had back, and free bytes it keeps; null when not supported.</summary>
    public static (long InUse, long FreeHeld)? Read()
    {
        if (!Supported)
        {
            return null;
        }

        var info = MallInfo2();
        // In use: small blocks from the arenas plus large ones mapped on their own. Free held: free bytes in the arenas.
        return ((long)(info.Uordblks + info.Hblkhd), (long)info.Fordblks);
    }

    /// <summary>
    /// How many arenas malloc has now (<c>malloc_info</c>'s heaps); null when not supported. An arena, once made,
    /// stays for the life of the process, so this can exceed <see cref="ArenaLimit"/> when threads made theirs
    /// before the limit was set.
    /// </summary>
    public static int? Arenas()
    {
        if (!Supported)
        {
            return null;
        }

        // open_memstream writes the buffer's address and length into these two slots when the stream is flushed or
        // closed, after the call that took them has returned: native memory, so that nothing moves or caches them.
        var slots = Marshal.AllocHGlobal(2 * IntPtr.Size);
        try
        {
            var stream = OpenMemstream(slots, slots + IntPtr.Size);
            if (stream == IntPtr.Zero)
            {
                return null;
            }

            var written = MallocInfo(0, stream) == 0;
            Fclose(stream);
            var buffer = Marshal.ReadIntPtr(slots);
            try
            {
                return written && buffer != IntPtr.Zero ? CountHeaps(Marshal.PtrToStringUTF8(buffer, checked((int)Marshal.ReadIntPtr(slots, IntPtr.Size)))) : null;
            }
            finally
            {
                Free(buffer);
            }
        }
        finally
        {
            Marshal.FreeHGlobal(slots);
        }
    }

    /// <summary>The <c>&lt;heap nr="…"&gt;</c> elements of <c>malloc_info</c>'s XML: one per arena.</summary>
    internal static int CountHeaps(string xml)
    {
        var count = 0;
        for (var at = xml.IndexOf("<heap nr=", StringComparison.Ordinal); at >= 0; at = xml.IndexOf("<heap nr=", at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return GnuGetLibcVersion() != IntPtr.Zero;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>glibc's <c>struct mallinfo2</c> (2.33 and later): every field a <c>size_t</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2Struct
    {
        public nuint Arena;
        public nuint Ordblks;
        public nuint Smblks;
        public nuint Hblks;
        public nuint Hblkhd;
        public nuint Usmblks;
        public nuint Fsmblks;
        public nuint Uordblks;
        public nuint Fordblks;
        public nuint Keepcost;
    }

    private static MallInfo2Struct MallInfo2()
    {
        try
        {
            return MallInfo2Native();
        }
        catch (EntryPointNotFoundException)
        {
            return default; // glibc before 2.33
        }
    }

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial IntPtr GnuGetLibcVersion();

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallInfo2Struct MallInfo2Native();

    [LibraryImport("libc", EntryPoint = "malloc_info")]
    private static partial int MallocInfo(int options, IntPtr stream);

    [LibraryImport("libc", EntryPoint = "open_memstream")]
    private static partial IntPtr OpenMemstream(IntPtr bufferSlot, IntPtr sizeSlot);

    [LibraryImport("libc", EntryPoint = "fclose")]
    private static partial int Fclose(IntPtr stream);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);
}
