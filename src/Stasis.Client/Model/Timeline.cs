namespace Stasis.Client.Model;

/// <summary>
/// The answer to <c>GET /api/v1/functions/{name}/timeline?since=1h</c>: what state each instance of the function was
/// in over [<see cref="Since"/>, <see cref="Until"/>), live instances and those that ended in that window. The server
/// keeps one hour of history, so <see cref="Since"/> is never earlier than <see cref="Until"/> minus an hour.
/// </summary>
public sealed record TimelineReport
{
    public required string FunctionName { get; init; }

    public required DateTimeOffset Since { get; init; }

    /// <summary>When the server answered.</summary>
    public required DateTimeOffset Until { get; init; }

    /// <summary>Oldest instance first.</summary>
    public List<InstanceTimeline> Instances { get; init; } = new();
}

/// <summary>One instance's states over the window.</summary>
public sealed record InstanceTimeline
{
    public required string InstanceId { get; init; }

    /// <summary><c>provisioned</c> or <c>on-demand</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>
    /// Its state now: <c>starting</c>, <c>initializing</c>, <c>warm</c> (ready, idle), <c>busy</c>, <c>frozen</c>,
    /// <c>thawing</c>, <c>draining</c>, <c>stopped</c> or <c>failed</c>.
    /// </summary>
    public required string State { get; init; }

    /// <summary>
    /// Oldest first and contiguous (each one's <c>to</c> is the next one's <c>from</c>); the first is cut at the window's
    /// start, a live instance's last ends now, and an ended instance's last is its stop or failure, with <c>from</c> = <c>to</c>.
    /// </summary>
    public List<StateSegment> Segments { get; init; } = new();
}

/// <summary>
/// The instance was in <see cref="State"/> over [<see cref="From"/>, <see cref="To"/>). <c>warm</c> and <c>busy</c>
/// have a resolution of one second: flips shorter than that are merged, busy winning over warm.
/// </summary>
public sealed record StateSegment
{
    public required string State { get; init; }

    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }
}
