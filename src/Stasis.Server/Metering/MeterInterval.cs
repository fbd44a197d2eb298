namespace Stasis.Server.Metering;

/// <summary>
/// A closed stretch of one instance's life in one billing state: [<see cref="Start"/>, <see cref="End"/>).
/// The ledger of an instance is a run of these, end to end, from its start to its end.
/// </summary>
internal sealed record MeterInterval(MeteredInstance Instance, MeterState State, DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Duration => End - Start;
}

/// <summary>The interval an instance is in right now: it has a start and a state, and ends at its next change.</summary>
internal sealed record OpenInterval(MeteredInstance Instance, MeterState State, DateTimeOffset Start)
{
    /// <summary>This interval closed at <paramref name="end"/>, or null when that leaves nothing to bill (zero length).</summary>
    public MeterInterval? CloseAt(DateTimeOffset end) => end > Start ? new MeterInterval(Instance, State, Start, end) : null;
}

/// <summary>What one heartbeat persists: the intervals closed since the last one and the open ones as of <see cref="Heartbeat"/>.</summary>
internal sealed record MeterBatch(IReadOnlyList<MeterInterval> Closed, IReadOnlyList<OpenInterval> Open, DateTimeOffset Heartbeat)
{
    public bool IsEmpty => Closed.Count == 0 && Open.Count == 0;
}

/// <summary>
/// The meter's clock resolution. The store keeps whole microseconds since the Unix epoch, so every time the
/// meter sees is cut to that first: what is billed from memory is exactly what is billed from the store.
/// </summary>
internal static class MeterTime
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMicrosecond;

    /// <summary>e.g. 12:00:00.1234567 → 12:00:00.123456 (UTC).</summary>
    public static DateTimeOffset Truncate(DateTimeOffset at)
    {
        var ticks = at.UtcTicks - (at.UtcTicks % TicksPerMicrosecond);
        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    /// <summary>e.g. 1970-01-01T00:00:01Z → 1 000 000.</summary>
    public static long ToUnixMicroseconds(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TicksPerMicrosecond;

    public static DateTimeOffset FromUnixMicroseconds(long microseconds) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + (microseconds * TicksPerMicrosecond), TimeSpan.Zero);
}
