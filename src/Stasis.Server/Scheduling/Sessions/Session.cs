using Stasis.Server.Instances;

namespace Stasis.Server.Scheduling.Sessions;

/// <summary>
/// One session and the instance that holds it. Guarded by the dispatcher's lock. A session opened by a request
/// whose answer names it (MCP) has no <see cref="Id"/> until that answer arrives, but already holds its place.
/// </summary>
internal sealed class Session(string? id, Instance instance, DateTimeOffset createdAt)
{
    public string? Id { get; set; } = id;

    public Instance Instance { get; set; } = instance;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset LastUsedAt { get; set; } = createdAt;

    /// <summary>Requests of the session in flight: a session is never idle while one runs.</summary>
    public int Active { get; set; }

    /// <summary>The session ends with the request that opened it (an MCP SSE stream), not by TTL or idleness.</summary>
    public bool HeldByStream { get; init; }

    public bool Ended { get; set; }
}
