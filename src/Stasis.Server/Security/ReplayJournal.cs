using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Security;

/// <summary>
/// The replay cache on disk (<c>DATA/replay.journal</c>), so that a signed request accepted before a restart, a crash
/// included, is still refused after it while its date is in the window. Each accepted signature is one record of 24
/// bytes (the 16 bytes the cache keeps and the expiry in ticks, little-endian) appended with one <c>write(2)</c> to a
/// descriptor opened with O_APPEND: in the file when the call returns, so a <c>kill -9</c> right after loses nothing.
/// At start-up the live records are read back and the file is rewritten with them only; while the server runs it is
/// rewritten the same way every <see cref="CompactEvery"/> records. Not thread-safe: the cache calls it under its lock.
/// </summary>
internal sealed class ReplayJournal : IDisposable
{
    public const string FileName = "replay.journal";
    public const int RecordSize = 24;
    public const int CompactEvery = 100_000;

    private readonly string _path;
    private SafeFileHandle _handle;
    private int _appended;

    private ReplayJournal(string path, SafeFileHandle handle)
    {
        _path = path;
        _handle = handle;
    }

    /// <summary>
    /// Opens the journal of <paramref name="dataDirectory"/>: the records still live at <paramref name="now"/> come back
    /// in <paramref name="live"/>, and the file is rewritten with them only. A torn last record (a crash mid-write) is dropped.
    /// </summary>
    public static ReplayJournal Open(string dataDirectory, DateTimeOffset now, out List<(UInt128 Key, long Expires)> live)
    {
        var path = Path.Combine(Path.GetFullPath(dataDirectory), FileName);
        live = Read(path, now.UtcTicks);
        Rewrite(path, live);
        return new ReplayJournal(path, LibC.OpenForAppend(path));
    }

    /// <summary>
    /// Appends one accepted signature; true when it is time to <see cref="Compact"/>. A record that cannot be written
    /// (disk full) is skipped: that signature is refused again only until a restart.
    /// </summary>
    public bool Append(UInt128 key, long expires)
    {
        Span<byte> record = stackalloc byte[RecordSize];
        Encode(record, key, expires);
        try
        {
            LibC.WriteAll(_handle, record);
        }
        catch (IOException)
        {
            return false;
        }

        return ++_appended >= CompactEvery;
    }

    /// <summary>Rewrites the file with <paramref name="live"/> only (a new file renamed over the old one) and appends there.</summary>
    public void Compact(IEnumerable<(UInt128 Key, long Expires)> live)
    {
        try
        {
            Rewrite(_path, live.ToList());
            var next = LibC.OpenForAppend(_path);
            _handle.Dispose();
            _handle = next;
            _appended = 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Kept appending to the old file; the next record tries again.
            _appended = CompactEvery - 1;
        }
    }

    public void Dispose() => _handle.Dispose();

    internal static List<(UInt128 Key, long Expires)> Read(string path, long nowTicks)
    {
        var live = new List<(UInt128, long)>();
        if (!File.Exists(path))
        {
            return live;
        }

        var bytes = File.ReadAllBytes(path);
        for (var at = 0; at + RecordSize <= bytes.Length; at += RecordSize)
        {
            var record = bytes.AsSpan(at, RecordSize);
            var expires = BinaryPrimitives.ReadInt64LittleEndian(record[16..]);
            if (expires > nowTicks)
            {
                live.Add((BinaryPrimitives.ReadUInt128LittleEndian(record), expires));
            }
        }

        return live;
    }

    private static void Rewrite(string path, List<(UInt128 Key, long Expires)> live)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var buffer = new byte[live.Count * RecordSize];
        for (var i = 0; i < live.Count; i++)
        {
            Encode(buffer.AsSpan(i * RecordSize, RecordSize), live[i].Key, live[i].Expires);
        }

        var temporary = path + ".new";
        using (var file = Runtime.Sandbox.FileModes.CreatePrivate(temporary))
        {
            file.Write(buffer);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void Encode(Span<byte> record, UInt128 key, long expires)
    {
        BinaryPrimitives.WriteUInt128LittleEndian(record, key);
        BinaryPrimitives.WriteInt64LittleEndian(record[16..], expires);
    }
}
