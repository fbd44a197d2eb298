namespace Stasis.Server.Instances;

/// <summary>
/// An instance's state as its timeline shows it: <see cref="InstanceState"/> with <c>Ready</c> called warm, and
/// <see cref="Thawing"/> for a request's thaw of a frozen instance (busy while its processes are still stopped).
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
    /// <summary>What the timeline shows for <paramref name="state"/>, given whether the freezer holds the processes now.</summary>
    public static TimelineState Of(InstanceState state, bool physicallyFrozen) => state switch
    {
        InstanceState.Starting => TimelineState.Starting,
        InstanceState.Initializing => TimelineState.Initializing,
        // Ready yet frozen: a request that took it left before its thaw; the next one thaws it.
        InstanceState.Ready => physicallyFrozen ? TimelineState.Frozen : TimelineState.Warm,
        InstanceState.Busy => physicallyFrozen ? TimelineState.Thawing : TimelineState.Busy,
        InstanceState.Frozen => TimelineState.Frozen,
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
