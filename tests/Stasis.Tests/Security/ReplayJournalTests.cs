using Stasis.Server.Security;

namespace Stasis.Tests.Security;

/// <summary>The replay cache's journal in a real directory: what it keeps across a reopen, and what it drops.</summary>
public sealed class ReplayJournalTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "stasis-journal-" + Guid.NewGuid().ToString("N")[..8]);

    private string JournalFile => Path.Combine(_dir, ReplayJournal.FileName);

    [Fact]
    public void SignaturesAcceptedBeforeAReopen_AreReplaysAfterIt_UntilTheyExpire()
    {
        using (var cache = ReplayCache.Open(10, _dir, Now))
        {
            Assert.Equal(ReplayVerdict.Accepted, cache.TryRecord(Signature(1), Now.AddMinutes(5), Now, out _));
            Assert.Equal(ReplayVerdict.Accepted, cache.TryRecord(Signature(2), Now.AddMinutes(1), Now, out _));
        }

        Assert.Equal(2 * ReplayJournal.RecordSize, new FileInfo(JournalFile).Length);

        using var reopened = ReplayCache.Open(10, _dir, Now.AddMinutes(2));
        // Signature 2 expired before the reopen: it was dropped from the file and may be recorded again.
        Assert.Equal(ReplayJournal.RecordSize, new FileInfo(JournalFile).Length);
        Assert.Equal(1, reopened.Count);
        Assert.Equal(ReplayVerdict.Replayed, reopened.TryRecord(Signature(1), Now.AddMinutes(5), Now.AddMinutes(2), out _));
        Assert.Equal(ReplayVerdict.Accepted, reopened.TryRecord(Signature(2), Now.AddMinutes(6), Now.AddMinutes(2), out _));
    }

    [Fact]
    public void ATornLastRecord_IsDropped()
    {
        using (var cache = ReplayCache.Open(10, _dir, Now))
        {
            cache.TryRecord(Signature(1), Now.AddMinutes(5), Now, out _);
        }

        using (var file = File.Open(JournalFile, FileMode.Append))
        {
            file.Write(new byte[10]); // a write cut short by a crash
        }

        Assert.Single(ReplayJournal.Read(JournalFile, Now.UtcTicks));
        using var reopened = ReplayCache.Open(10, _dir, Now);
        Assert.Equal(ReplayJournal.RecordSize, new FileInfo(JournalFile).Length);
    }

    [Fact]
    public void Compacting_KeepsOnlyWhatItIsGiven_AndAppendsAfterIt()
    {
        using var journal = ReplayJournal.Open(_dir, Now, out var live);
        Assert.Empty(live);
        var entries = Enumerable.Range(1, 3).Select(i => ((UInt128)i, Now.AddMinutes(i).UtcTicks)).ToList();
        foreach (var (key, expires) in entries)
        {
            journal.Append(key, expires);
        }

        journal.Compact(entries.Take(1));
        journal.Append(9, Now.AddMinutes(9).UtcTicks);

        var kept = ReplayJournal.Read(JournalFile, Now.UtcTicks);
        Assert.Equal([(UInt128.One, Now.AddMinutes(1).UtcTicks), ((UInt128)9, Now.AddMinutes(9).UtcTicks)], kept);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static byte[] Signature(byte seed) => Enumerable.Range(0, 32).Select(i => (byte)(i * seed + 1)).ToArray();
}
