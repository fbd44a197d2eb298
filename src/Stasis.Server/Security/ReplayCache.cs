using System.Buffers.Binary;

namespace Stasis.Server.Security;

/// <summary>
/// The signatures accepted while their date is still inside the skew window, so that a captured signed request cannot
/// be sent again. Bounded: past <see cref="Capacity"/> live entries new signed requests are turned away (a client can
/// retry shortly or use a Bearer token) rather than forgetting a signature early, which would let it be replayed.
/// Each entry is 16 bytes of the signature (128 bits) and its expiry. With a <see cref="ReplayJournal"/> every accepted
/// signature is also written to the data directory, and <see cref="Open"/> reads them back, so a restart (or a crash)
/// does not let a signature accepted before it be sent again.
/// </summary>
internal sealed class ReplayCache(int capacity, ReplayJournal? journal = null) : IDisposable
{
    public const int DefaultCapacity = 500_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<UInt128, long> _seen = new();
    private readonly PriorityQueue<UInt128, long> _expiries = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>A cache kept in <paramref name="dataDirectory"/>'s journal, with the signatures it holds that are still live.</summary>
    public static ReplayCache Open(int capacity, string dataDirectory, DateTimeOffset now)
    {
        var journal = ReplayJournal.Open(dataDirectory, now, out var live);
        var cache = new ReplayCache(capacity, journal);
        lock (cache._gate)
        {
            foreach (var (key, expires) in live.Take(capacity))
            {
                if (cache._seen.TryAdd(key, expires))
                {
                    cache._expiries.Enqueue(key, expires);
                }
            }
        }

        return cache;
    }

    public int Count
    {
        get { lock (_gate) { return _seen.Count; } }
    }

    /// <summary>
    /// Records <paramref name="signature"/>, remembered until <paramref name="expires"/>. <see cref="ReplayVerdict.Replayed"/>
    /// when it was seen already; <see cref="ReplayVerdict.Full"/>, with the wait until room frees, when the cache is full.
    /// </summary>
    public ReplayVerdict TryRecord(ReadOnlySpan<byte> signature, DateTimeOffset expires, DateTimeOffset now, out TimeSpan retryAfter)
    {
        var key = BinaryPrimitives.ReadUInt128LittleEndian(signature);
        retryAfter = TimeSpan.Zero;
        lock (_gate)
        {
            while (_expiries.TryPeek(out var oldest, out var at) && at <= now.UtcTicks)
            {
                _expiries.Dequeue();
                _seen.Remove(oldest);
            }

            if (_seen.ContainsKey(key))
            {
                return ReplayVerdict.Replayed;
            }

            if (_seen.Count >= Capacity)
            {
                _expiries.TryPeek(out _, out var next);
                retryAfter = TimeSpan.FromTicks(Math.Max(next - now.UtcTicks, TimeSpan.TicksPerSecond));
                return ReplayVerdict.Full;
            }

            _seen[key] = expires.UtcTicks;
            _expiries.Enqueue(key, expires.UtcTicks);
            if (journal?.Append(key, expires.UtcTicks) == true)
            {
                journal.Compact(_seen.Select(kv => (kv.Key, kv.Value)));
            }

            return ReplayVerdict.Accepted;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            journal?.Dispose();
        }
    }
}

internal enum ReplayVerdict
{
    Accepted,
    Replayed,
    Full,
}
