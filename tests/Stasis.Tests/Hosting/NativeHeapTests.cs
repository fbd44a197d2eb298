using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Hosting;

namespace Stasis.Tests.Hosting;

/// <summary>
/// The native heap's figures and its trim, on this process's own glibc heap. Not run beside other tests: their
/// allocations and an in-process server's own trims would change the heap under the test.
/// </summary>
[Collection(NativeHeapCollection.Name)]
public sealed class NativeHeapTests
{
    [Theory]
    [InlineData("   123456 kB", 123456L * 1024)]
    [InlineData("\t0 kB", 0L)]
    [InlineData("12 MB", null)]
    [InlineData("", null)]
    [InlineData("-5 kB", null)]
    public void StatusLinesParseAsBytes(string value, long? expected) =>
        Assert.Equal(expected, ProcessMemory.Parse(value));

    [Fact]
    public void ResidentMemoryIsRead()
    {
        var rss = ProcessMemory.ResidentBytes();
        var anon = ProcessMemory.ResidentAnonymousBytes();
        Assert.NotNull(rss);
        Assert.NotNull(anon);
        Assert.InRange(anon!.Value, 1, rss!.Value);
    }

    [Fact]
    public void FreedBlocksHeldBetweenLiveOnesAreGivenBackByATrim()
    {
        Assert.True(NativeHeap.Supported, "the server runs on glibc Linux, whose heap it can read and trim");

        // 48 MB in blocks of 64 KB (under malloc's mmap threshold, so they come from an arena), then every other one
        // freed: 24 MB of free blocks between live ones, which malloc cannot give back from the top of its heap by
        // itself but a trim can, page by page. The fragmentation a trim exists for.
        const int count = 768;
        const int size = 64 * 1024;
        var ones = new byte[size];
        Array.Fill(ones, (byte)1);
        var blocks = new nint[count];
        for (var i = 0; i < count; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(size); // malloc
            Marshal.Copy(ones, 0, blocks[i], size); // touched: resident
        }

        try
        {
            for (var i = 0; i < count; i += 2)
            {
                Marshal.FreeHGlobal(blocks[i]);
                blocks[i] = 0;
            }

            var held = NativeHeap.Read();
            Assert.NotNull(held);
            Assert.True(held!.Value.FreeHeld >= 20L << 20, $"free held after freeing 24 MB between live blocks: {held.Value.FreeHeld} bytes");

            var trimmer = new NativeHeapTrimmer(new StasisServerOptions(), TimeProvider.System, NullLogger<NativeHeapTrimmer>.Instance);
            var released = trimmer.TrimNow();

            // Most of the 24 MB goes back (each freed block but its first and last page).
            Assert.True(released >= 12L << 20, $"a trim gave back {released} bytes of 24 MB freed");
            Assert.Equal(1, trimmer.Trims);
            Assert.Equal(released, trimmer.TrimmedBytes);
            Assert.True(trimmer.TrimTime > TimeSpan.Zero);
        }
        finally
        {
            foreach (var block in blocks.Where(b => b != 0))
            {
                Marshal.FreeHGlobal(block);
            }
        }
    }

    [Fact]
    public void ArenasAreCountedFromMallocInfo()
    {
        const string twoHeaps = """
            <malloc version="1">
            <heap nr="0">
            <sizes>
            </sizes>
            <total type="fast" count="0" size="0"/>
            </heap>
            <heap nr="1">
            <sizes>
            </sizes>
            </heap>
            <total type="fast" count="0" size="0"/>
            <system type="current" size="135168"/>
            </malloc>
            """;
        Assert.Equal(2, NativeHeap.CountHeaps(twoHeaps));
        Assert.Equal(0, NativeHeap.CountHeaps("<malloc version=\"1\">\n</malloc>\n"));

        // This process's own: at least the main arena, and no more than glibc would ever make (8 per CPU, unless
        // MALLOC_ARENA_MAX allows more).
        var arenas = NativeHeap.Arenas();
        Assert.NotNull(arenas);
        Assert.InRange(arenas!.Value, 1, Math.Max(8 * Environment.ProcessorCount, NativeHeap.ArenaLimit ?? 0));
    }

    [Fact]
    public void TurnedOffWithAZeroInterval()
    {
        var trimmer = new NativeHeapTrimmer(new StasisServerOptions { MemoryTrimInterval = TimeSpan.Zero }, TimeProvider.System, NullLogger<NativeHeapTrimmer>.Instance);
        Assert.False(trimmer.Enabled);
        Assert.Equal(NativeHeap.Supported, new NativeHeapTrimmer(new StasisServerOptions(), TimeProvider.System, NullLogger<NativeHeapTrimmer>.Instance).Enabled);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeHeapCollection
{
    public const string Name = "native heap";
}
