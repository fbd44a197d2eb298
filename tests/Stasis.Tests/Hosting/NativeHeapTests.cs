using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Hosting;

namespace Stasis.Tests.Hosting;

/// <summary>The native heap's figures and its trim, on this process's own glibc heap.</summary>
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

        // 48 MB of small blocks, each with a small live block after it, so that freeing the large ones leaves holes
        // malloc cannot hand back from the top of its heap by itself: the fragmentation a trim exists for.
        const int count = 48 * 1024;
        const int size = 1000;
        var ones = new byte[size];
        Array.Fill(ones, (byte)1);
        var blocks = new nint[count];
        var pins = new nint[count / 64];
        for (var i = 0; i < count; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(size); // malloc
            Marshal.Copy(ones, 0, blocks[i], size); // touched: resident
            if (i % 64 == 63)
            {
                pins[i / 64] = Marshal.AllocHGlobal(16);
            }
        }

        try
        {
            foreach (var block in blocks)
            {
                Marshal.FreeHGlobal(block);
            }

            var held = NativeHeap.Read();
            Assert.NotNull(held);
            Assert.True(held!.Value.FreeHeld >= 40L << 20, $"free held after freeing 48 MB: {held.Value.FreeHeld} bytes");

            var trimmer = new NativeHeapTrimmer(new StasisServerOptions(), TimeProvider.System, NullLogger<NativeHeapTrimmer>.Instance);
            var released = trimmer.TrimNow();

            // Most of the 48 MB goes back; other tests' allocations running beside this one can take some of it first.
            Assert.True(released >= 24L << 20, $"a trim gave back {released} bytes of about 48 MB freed");
            Assert.Equal(1, trimmer.Trims);
            Assert.Equal(released, trimmer.TrimmedBytes);
            Assert.True(trimmer.TrimTime > TimeSpan.Zero);
        }
        finally
        {
            foreach (var pin in pins)
            {
                Marshal.FreeHGlobal(pin);
            }
        }
    }

    [Fact]
    public void TurnedOffWithAZeroInterval()
    {
        var trimmer = new NativeHeapTrimmer(new StasisServerOptions { MemoryTrimInterval = TimeSpan.Zero }, TimeProvider.System, NullLogger<NativeHeapTrimmer>.Instance);
        Assert.False(trimmer.Enabled);
        Assert.Equal(NativeHeap.Supported, new NativeHeapTrimmer(new StasisServerOptions(), TimeProvider.System, NullLogger<NativeHeapTrimmer>.Instance).Enabled);
    }
}
