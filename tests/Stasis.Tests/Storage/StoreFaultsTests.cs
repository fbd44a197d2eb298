using Microsoft.Data.Sqlite;
using Stasis.Server.Storage;

namespace Stasis.Tests.Storage;

public sealed class StoreFaultsTests
{
    [Theory]
    [InlineData(5, "Busy")]   // SQLITE_BUSY
    [InlineData(6, "Busy")]   // SQLITE_LOCKED
    [InlineData(13, "Full")]  // SQLITE_FULL
    public void Classify_SqliteCodes(int code, string fault) =>
        Assert.Equal(Enum.Parse<StoreFault>(fault), StoreFaults.Classify(new SqliteException("x", code)));

    [Theory]
    [InlineData(28)]   // ENOSPC
    [InlineData(122)]  // EDQUOT
    public void Classify_NoSpaceFromTheFileSystem_IsFull(int errno) =>
        Assert.Equal(StoreFault.Full, StoreFaults.Classify(new IOException("No space left on device", errno)));

    [Fact]
    public void Classify_LooksInsideWrappers() =>
        Assert.Equal(StoreFault.Busy, StoreFaults.Classify(new InvalidOperationException("outer", new SqliteException("x", 5))));

    [Fact]
    public void Classify_OtherErrors_AreNotStoreFaults()
    {
        Assert.Null(StoreFaults.Classify(new SqliteException("constraint", 19)));
        Assert.Null(StoreFaults.Classify(new IOException("permission denied", 13)));
        Assert.Null(StoreFaults.Classify(null));
    }

    [Fact]
    public void Describe_SaysWhichFileOrDirectoryAndWhatToDo()
    {
        var busy = StoreFaults.Describe(StoreFault.Busy, "/srv/data/stasis.db");
        var full = StoreFaults.Describe(StoreFault.Full, "/srv/data/stasis.db");

        Assert.StartsWith("the store /srv/data/stasis.db is locked by another process", busy);
        Assert.EndsWith("the change was not saved. Retry shortly, or end that process's transaction.", busy);
        Assert.Equal("the data directory /srv/data is full; the change was not saved. Free space on that file system (or move --data to a larger one), then retry.", full);
    }
}
