using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Hosting;

namespace Stasis.Tests.Hosting;

/// <summary>
/// The managed heap's compaction, on this process's own heap. Not run beside other tests, for the same reason as
/// <see cref="NativeHeapTests"/>: their allocations would change the heap under the test.
/// </summary>
[Collection(NativeHeapCollection.Name)]
public sealed class ManagedHeapCompactorTests
{
    [Fact]
    public void GarbageLeftInGenerationTwoIsCollected()
    {
        var weak = GarbageInGenerationTwo();

        var compactor = new ManagedHeapCompactor(new StasisServerOptions(), TimeProvider.System, NullLogger<ManagedHeapCompactor>.Instance);
        Assert.True(compactor.Enabled);
        Assert.True(compactor.CompactNow());

        Assert.False(weak.IsAlive);
        Assert.Equal(1, compactor.Compactions);
        Assert.True(compactor.CollectedBytes >= 60L << 20, $"a compaction collected {compactor.CollectedBytes} bytes of 64 MB of garbage");
        Assert.True(compactor.CompactTime > TimeSpan.Zero);
    }

    /// <summary>
    /// 64 MB in 32 KB arrays (small objects), promoted to generation 2 by two full collections, then dropped: garbage
    /// that a young collection never looks at, in regions the heap keeps committed. Its own frame, so that no local of
    /// the test keeps it alive.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference GarbageInGenerationTwo()
    {
        var held = new List<byte[]>();
        for (var i = 0; i < 2048; i++)
        {
            var array = new byte[32 * 1024];
            array.AsSpan().Fill(1);
            held.Add(array);
        }

        GC.Collect();
        GC.Collect();
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(held[0]));
        return new WeakReference(held[^1]);
    }

    [Fact]
    public void APassRightAfterTheRuntimesOwnFullCollectionIsSkipped()
    {
        var compactor = new ManagedHeapCompactor(new StasisServerOptions(), TimeProvider.System, NullLogger<ManagedHeapCompactor>.Instance);
        Assert.True(compactor.CompactNow()); // the first pass always runs
        Assert.True(compactor.CompactNow()); // nothing else collected generation 2 in between: runs again

        GC.Collect(); // a full collection not of its making
        Assert.False(compactor.CompactNow());
        Assert.True(compactor.CompactNow()); // and the next one runs
        Assert.Equal(3, compactor.Compactions);
    }

    [Fact]
    public void TurnedOffWithAZeroInterval() =>
        Assert.False(new ManagedHeapCompactor(new StasisServerOptions { MemoryCompactInterval = TimeSpan.Zero }, TimeProvider.System, NullLogger<ManagedHeapCompactor>.Instance).Enabled);
}
