using System.Globalization;
using System.Text;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Sandbox;

/// <summary>A function's uids and gids on the host: container ids 0..Size-1 are host ids Start..Start+Size-1.</summary>
internal readonly record struct UidRange(long Start, int Size)
{
    public long End => Start + Size - 1;
}

/// <summary>
/// Gives each function a range of host uids and gids of its own, for its instances' user namespaces:
/// 65,536 ids from 2^28 on, one range per function, far above any account the host's tools create
/// (useradd stops at 60,000; /etc/subuid ranges start at 100,000). The ranges are kept in one file for
/// the whole host (<see cref="DefaultPath"/>), "SLOT SCOPE FUNCTION LASTUSED" a line, updated under an
/// exclusive lock and replaced atomically: so a function keeps its range across restarts, and two
/// servers on one host (two scopes) never give one range to two functions. When every slot is taken,
/// the one used longest ago is given again: what its old function owned lived in its instances'
/// private /tmp and is gone, so the only harm would be two functions running at once in one range,
/// which takes 61,439 functions used more recently.
/// </summary>
internal sealed class UidRanges(string path, TimeProvider time)
{
    public const string DefaultPath = "/var/lib/stasis/uid-ranges";
    public const long FirstId = 1L << 28;
    public const int RangeSize = 65536;

    /// <summary>Slots that fit below 2^32 - 1 (the invalid id).</summary>
    public const int Slots = (int)(((1L << 32) - 1 - FirstId) / RangeSize);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, UidRange> _known = new(StringComparer.Ordinal);

    public string Path { get; } = path;

    public UidRange For(string scope, string function)
    {
        var key = scope + " " + function;
        lock (_gate)
        {
            if (_known.TryGetValue(key, out var known))
            {
                return known;
            }

            var range = Allocate(scope, function);
            _known[key] = range;
            return range;
        }
    }

    private UidRange Allocate(string scope, string function)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var held = LockFile();
        var entries = Read();
        var today = time.GetUtcNow().ToUnixTimeSeconds() / 86400;
        var mine = entries.FindIndex(e => e.Scope == scope && e.Function == function);
        int slot;
        if (mine >= 0)
        {
            slot = entries[mine].Slot;
            entries[mine] = entries[mine] with { LastUsedDay = today };
        }
        else
        {
            var taken = entries.Select(e => e.Slot).ToHashSet();
            slot = Enumerable.Range(0, Slots).FirstOrDefault(s => !taken.Contains(s), -1);
            if (slot < 0)
            {
                var oldest = entries.OrderBy(e => e.LastUsedDay).First();
                entries.Remove(oldest);
                slot = oldest.Slot;
            }

            entries.Add(new Entry(slot, scope, function, today));
        }

        Write(entries);
        return new UidRange(FirstId + ((long)slot * RangeSize), RangeSize);
    }

    private FileStream LockFile()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // On Unix, FileShare.None is an exclusive flock: other servers wait here.
                return new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 500)
            {
                Thread.Sleep(10);
            }
        }
    }

    private List<Entry> Read()
    {
        var entries = new List<Entry>();
        if (!File.Exists(Path))
        {
            return entries;
        }

        foreach (var line in File.ReadAllLines(Path))
        {
            var parts = line.Split(' ');
            if (parts.Length == 4 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var slot) && slot >= 0 && slot < Slots
                && long.TryParse(parts[3], CultureInfo.InvariantCulture, out var day))
            {
                entries.Add(new Entry(slot, parts[1], parts[2], day));
            }
        }

        return entries;
    }

    private void Write(List<Entry> entries)
    {
        var text = new StringBuilder();
        foreach (var e in entries.OrderBy(e => e.Slot))
        {
            text.Append(CultureInfo.InvariantCulture, $"{e.Slot} {e.Scope} {e.Function} {e.LastUsedDay}\n");
        }

        var temporary = Path + ".new";
        File.WriteAllText(temporary, text.ToString());
        FileModes.Set(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, Path, overwrite: true);
    }

    private sealed record Entry(int Slot, string Scope, string Function, long LastUsedDay);
}
