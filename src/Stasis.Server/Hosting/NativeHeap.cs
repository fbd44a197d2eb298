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
/// of every arena back (<c>MADV_DONTNEED</c>) without moving anything that is in use; <see cref="LimitArenas"/>
/// caps the arenas at <see cref="DefaultArenaLimit"/>, so that fewer of them fill up between two trims.
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
    /// <c>MALLOC_ARENA_MAX</c> is set (glibc then applies that itself). Arenas that already exist stay; threads
    /// that would have had new ones share those instead. Little of the server's work allocates natively, so
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
}
