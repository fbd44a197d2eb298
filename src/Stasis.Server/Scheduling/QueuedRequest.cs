namespace Stasis.Server.Scheduling;

/// <summary>A request waiting for a slot: in the function's queue, or bound to one instance's backlog.</summary>
internal sealed class QueuedRequest(long enqueuedAt, bool inlineContinuation = false)
{
    /// <summary>Its place in whichever list holds it; <c>Node.List</c> is null once it left.</summary>
    public LinkedListNode<QueuedRequest>? Node { get; set; }

    /// <summary>When it began to wait (the dispatcher's clock timestamp).</summary>
    public long EnqueuedAt { get; } = enqueuedAt;

    /// <summary>The session the request belongs to (session affinity), and whether the request opened it.</summary>
    public Sessions.Session? Session { get; init; }

    public bool SessionIsNew { get; init; }

    public TaskCompletionSource<Lease> Completion { get; } =
        new(inlineContinuation ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
}
