namespace Stasis.Server.Metering;

/// <summary>
/// An instance's time in one billing state inside a bill's period: the sum of its intervals there, clipped to the
/// period, with the first and last instants they cover. The bill is computed from these, so a period with
/// hundreds of thousands of intervals is summed by the store, not carried over one by one.
/// </summary>
internal sealed record MeterSum(MeteredInstance Instance, MeterState State, TimeSpan Duration, DateTimeOffset First, DateTimeOffset Last)
{
    /// <summary>The part of <paramref name="interval"/> inside [from, to) as a sum, or null when nothing of it is.</summary>
    public static MeterSum? Of(MeterInterval interval, DateTimeOffset from, DateTimeOffset to)
    {
        var start = interval.Start > from ? interval.Start : from;
        var end = interval.End < to ? interval.End : to;
        return end > start ? new MeterSum(interval.Instance, interval.State, end - start, start, end) : null;
    }
}
