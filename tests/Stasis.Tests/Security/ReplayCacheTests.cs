using Stasis.Server.Security;

namespace Stasis.Tests.Security;

public sealed class ReplayCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ASignatureIsAcceptedOnceUntilItExpires()
    {
        var cache = new ReplayCache(10);
        var signature = Signature(1);

        Assert.Equal(ReplayVerdict.Accepted, cache.TryRecord(signature, Now.AddMinutes(5), Now, out _));
        Assert.Equal(ReplayVerdict.Replayed, cache.TryRecord(signature, Now.AddMinutes(5), Now.AddMinutes(4), out _));
        Assert.Equal(ReplayVerdict.Accepted, cache.TryRecord(signature, Now.AddMinutes(10), Now.AddMinutes(5), out _));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Full_RefusesNewSignaturesUntilTheOldestExpires()
    {
        var cache = new ReplayCache(2);
        cache.TryRecord(Signature(1), Now.AddMinutes(3), Now, out _);
        cache.TryRecord(Signature(2), Now.AddMinutes(5), Now, out _);

        Assert.Equal(ReplayVerdict.Full, cache.TryRecord(Signature(3), Now.AddMinutes(5), Now.AddMinutes(1), out var wait));
        Assert.Equal(TimeSpan.FromMinutes(2), wait);
        Assert.Equal(ReplayVerdict.Accepted, cache.TryRecord(Signature(3), Now.AddMinutes(8), Now.AddMinutes(3), out _));
        Assert.Equal(ReplayVerdict.Replayed, cache.TryRecord(Signature(2), Now.AddMinutes(5), Now.AddMinutes(3), out _));
    }

    private static byte[] Signature(byte seed) => Enumerable.Range(0, 32).Select(i => (byte)(i * seed)).ToArray();
}
