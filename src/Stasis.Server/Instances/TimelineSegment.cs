namespace Stasis.Server.Instances;

/// <summary>An instance was in <see cref="State"/> over [<see cref="From"/>, <see cref="To"/>).</summary>
internal readonly record struct TimelineSegment(TimelineState State, DateTimeOffset From, DateTimeOffset To)
{
    public TimeSpan Length => To - From;
}
