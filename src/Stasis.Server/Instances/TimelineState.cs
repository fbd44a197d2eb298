namespace Stasis.Server.Instances;

/// <summary>
/// An instance's state as its timeline shows it: <see cref="InstanceState"/> with <c>Ready</c> called warm.
/// </summary>
internal enum TimelineState : byte
{
    Starting,
    Initializing,
    Warm,
    Busy,
    Frozen,
    Thawing,
    Draining,
    Stopped,
    Failed,
}

internal static class TimelineStates
{
    /// <summary>What the timeline shows for <paramref name="state"/>.</summary>
    public static TimelineState Of(InstanceState state) => state switch
    {
        InstanceState.Starting => TimelineState.Starting,
        InstanceState.Initializing => TimelineState.Initializing,
        InstanceState.Ready => TimelineState.Warm,
        InstanceState.Busy => TimelineState.Busy,
        InstanceState.Frozen => TimelineState.Frozen,
        InstanceState.Thawing => TimelineState.Thawing,
        InstanceState.Draining => TimelineState.Draining,
        InstanceState.Stopped => TimelineState.Stopped,
        _ => TimelineState.Failed,
    };

    /// <summary>The lowercase name the API uses.</summary>
    public static string Name(this TimelineState state) => state switch
    {
        TimelineState.Starting => "starting",
        TimelineState.Initializing => "initializing",
        TimelineState.Warm => "warm",
        TimelineState.Busy => "busy",
        TimelineState.Frozen => "frozen",
        TimelineState.Thawing => "thawing",
        TimelineState.Draining => "draining",
        TimelineState.Stopped => "stopped",
        _ => "failed",
    };

    /// <summary>Warm and busy flip with every request; the timeline merges their flips shorter than its resolution.</summary>
    public static bool IsServing(this TimelineState state) => state is TimelineState.Warm or TimelineState.Busy;

    /// <summary>Stopped and failed end a timeline.</summary>
    public static bool IsEnd(this TimelineState state) => state is TimelineState.Stopped or TimelineState.Failed;
}
