using Microsoft.Extensions.Time.Testing;
using Stasis.Server.Logs;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Logs;

/// <summary>The function log is written through: a line is in the file when Write returns, and a full disk drops and counts lines.</summary>
public sealed class FunctionLogBookTests : IDisposable
{
    private static readonly DateTimeOffset T = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private readonly FunctionLogBook _book;

    public FunctionLogBookTests() => _book = new FunctionLogBook(_dir.Path, new FakeTimeProvider(T));

    public void Dispose()
    {
        _book.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _dir.Dispose();
    }

    [Fact]
    public void Write_TheLineIsInTheFileWhenItReturns()
    {
        _book.Write("fn", "FC Invoke End RequestId: r1, Status: 200");

        // Read by another handle, as another process (or the next server) would: no flush in between.
        Assert.Equal(["2026-03-01T12:00:00.000Z FC Invoke End RequestId: r1, Status: 200"], File.ReadAllLines(_book.FunctionLogPath("fn")));
        Assert.Equal(0, _book.DroppedLines);
    }

    [Fact]
    public async Task Write_FromManyThreads_EveryLineWholeAndOnItsOwn()
    {
        var text = new string('x', 3000); // longer than the stack buffer: the pooled one is used
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                _book.Write("fn", $"{t}-{i} {text}");
            }
        })));

        var lines = File.ReadAllLines(_book.FunctionLogPath("fn"));
        Assert.Equal(1600, lines.Length);
        Assert.All(lines, l => Assert.EndsWith(" " + text, l, StringComparison.Ordinal));
        Assert.Equal(1600, lines.Select(l => l.Split(' ')[1]).Distinct().Count());
    }

    [Fact]
    public async Task Write_DiskFull_DropsAndCountsTheLine_AndKeepsGoing()
    {
        // /dev/full answers every write with ENOSPC, as a full disk does.
        var path = _book.FunctionLogPath("full");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, "/dev/full");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var follower = _book.FollowAsync("full", stop.Token).GetAsyncEnumerator(stop.Token);
        var first = follower.MoveNextAsync(); // subscribed once this returns: the iterator runs to its first wait

        _book.Write("full", "one");
        _book.Write("full", "two");
        _book.Write("fn", "three");

        Assert.True(await first);
        var one = follower.Current;
        Assert.True(await follower.MoveNextAsync());
        Assert.Equal(2, _book.DroppedLines);
        Assert.Equal(["2026-03-01T12:00:00.000Z one", "2026-03-01T12:00:00.000Z two"], [one, follower.Current]); // followers still get them
        Assert.Single(File.ReadAllLines(_book.FunctionLogPath("fn")));
    }

    [Fact]
    public async Task Forget_DeletesTheLogs_AndALaterLineStartsANewFile()
    {
        _book.Write("gone", "before");
        _book.Forget("gone");
        Assert.False(Directory.Exists(Path.GetDirectoryName(_book.FunctionLogPath("gone"))));

        _book.Write("gone", "after");

        Assert.Equal(["2026-03-01T12:00:00.000Z after"], await _book.TailAsync("gone", 10, CancellationToken.None));
    }
}
