using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>Every error the control API and the gateway return: <c>{"code": "...", "message": "..."}</c>.</summary>
public sealed record ErrorBody(string Code, string Message)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RequestId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Details { get; init; }
}

/// <summary>A function as the control API returns it.</summary>
public sealed record FunctionInfo
{
    /// <summary>The spec; for a key other than admin, with <see cref="FunctionSpec.EnvironmentVariables"/>' values redacted.</summary>
    public required FunctionSpec Spec { get; init; }
    /// <summary>Whether the environment variables' values were left out (the caller's key is not an admin key).</summary>
    public bool EnvironmentRedacted { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required string Url { get; init; }
    public List<TriggerInfo> Triggers { get; init; } = new();
    public List<string> Warnings { get; init; } = new();
    public InstanceCounts Instances { get; init; } = new();
    /// <summary>Set when a new instance of the latest version failed to start while older ones still serve.</summary>
    public string? RolloutError { get; init; }
    /// <summary>The last instance failure (start or crash), for a quick diagnosis.</summary>
    public string? LastInstanceError { get; init; }
    /// <summary>Requests waiting for a free slot right now.</summary>
    public int Queued { get; init; }
    /// <summary>Sessions open on its instances (session affinity); null without it.</summary>
    public int? Sessions { get; init; }
    /// <summary>The function's placement policy in effect.</summary>
    public string SchedulingPolicy { get; init; } = SchedulingPolicyNames.Default;
    /// <summary>How long its recent requests waited for a slot; null before the first request.</summary>
    public QueueWaitInfo? QueueWait { get; init; }
}

/// <summary>Queue wait of a function's last <see cref="Samples"/> requests, in milliseconds.</summary>
public sealed record QueueWaitInfo
{
    public int Samples { get; init; }
    public double P50Ms { get; init; }
    public double P90Ms { get; init; }
    public double P99Ms { get; init; }
    public double MaxMs { get; init; }
    /// <summary>Requests since the server started.</summary>
    public long Requests { get; init; }
    /// <summary>Of those, how many found no free slot and waited.</summary>
    public long Waited { get; init; }
}

public sealed record TriggerInfo(string TriggerName, string TriggerType, string AuthType, List<string> Methods, string Url);

public sealed record InstanceCounts
{
    public int Starting { get; init; }
    public int Ready { get; init; }
    public int Busy { get; init; }
    public int Frozen { get; init; }
    public int Draining { get; init; }
    public int Failed { get; init; }
    /// <summary>Instances still running an older version of the spec (a rollout is in progress).</summary>
    public int Outdated { get; init; }
}

/// <summary>One instance as the control API returns it.</summary>
public sealed record InstanceInfo
{
    public required string Id { get; init; }
    public required string FunctionName { get; init; }
    public required string State { get; init; }
    /// <summary>provisioned or on-demand.</summary>
    public string Kind { get; init; } = "on-demand";
    public required long Version { get; init; }
    public int? Pid { get; init; }
    public int InFlight { get; init; }
    public int Slots { get; init; }
    public long Completed { get; init; }
    /// <summary>Requests bound to this instance and waiting for its slot (policies other than join-idle-queue, sessions).</summary>
    public int Queued { get; init; }
    /// <summary>Sessions the instance holds (session affinity; 0 without it).</summary>
    public int Sessions { get; init; }
    /// <summary>Milliseconds with at least one request in flight.</summary>
    public long BusyMs { get; init; }
    /// <summary>Busy time ÷ time since it was ready (0–1); null before it was ready.</summary>
    public double? BusyShare { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? ReadyAt { get; init; }
    public DateTimeOffset? StoppedAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }
    public string? Error { get; init; }
    public string? LogPath { get; init; }
    /// <summary>The digest of the image it runs; null for a command instance.</summary>
    public string? Image { get; init; }
}

/// <summary>The answer to a deploy (PUT /api/v1/functions/{name}).</summary>
public sealed record DeployResult
{
    public required FunctionInfo Function { get; init; }
    /// <summary>created, updated or unchanged.</summary>
    public required string Outcome { get; init; }
    /// <summary>What the server did otherwise than the spec may suggest (an image not in the store, its command run instead).</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];
}

public sealed record ServerStatus
{
    public required string Version { get; init; }
    public required string Listen { get; init; }
    public required string DataDirectory { get; init; }
    public required string Runtime { get; init; }
    public Dictionary<string, string> RuntimeDetails { get; init; } = new();
    public int Functions { get; init; }
    public int Instances { get; init; }
    /// <summary>Most instances the server lets live at once (<c>--max-instances-total</c>); null from a server that has no such limit.</summary>
    public int? MaxInstancesTotal { get; init; }
    /// <summary>Whether the store takes writes, and what waits for it or was dropped (docs/reliability.md).</summary>
    public StorageStatus Storage { get; init; } = new();
    /// <summary>The server process's memory (docs/reliability.md, "Memory"); null from a server that does not report it.</summary>
    public MemoryStatus? Memory { get; init; }
    /// <summary>Client connections, their caps and what they refused (docs/limits.md, "Connections"); null from a server without caps.</summary>
    public ConnectionsStatus? Connections { get; init; }
}

/// <summary>Client connections open, the caps on them, and the connections those caps refused since the server started.</summary>
public sealed record ConnectionsStatus
{
    public int Open { get; init; }
    /// <summary>Most open at once (limits.maxConnections).</summary>
    public int Limit { get; init; }
    /// <summary>Most open at once from one client address, an IPv6 /64 (limits.maxConnectionsPerAddress).</summary>
    public int PerAddressLimit { get; init; }
    /// <summary>Refused because the server had <see cref="Limit"/> open.</summary>
    public long RefusedServerLimit { get; init; }
    /// <summary>Refused because their client address had <see cref="PerAddressLimit"/> open (or, behind a trusted proxy, in flight).</summary>
    public long RefusedAddressLimit { get; init; }
    /// <summary>The server's open-file limit (raised to the hard limit at start); 0 where unknown.</summary>
    public long OpenFilesLimit { get; init; }
    /// <summary>Files the server has open now (connections included); null where unknown.</summary>
    public int? OpenFiles { get; init; }
    /// <summary>The proxies whose X-Forwarded-For counts (--trusted-proxy).</summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
}

/// <summary>
/// The server process's memory: resident in all, the GC heap, the native (malloc) heap, and the trims that give the
/// native heap's free memory back to the kernel. A figure the host cannot tell is null.
/// </summary>
public sealed record MemoryStatus
{
    /// <summary>Resident set size (VmRSS): code and mapped files included.</summary>
    public long? ResidentBytes { get; init; }
    /// <summary>Resident anonymous memory (RssAnon): the GC heap, the native heap and thread stacks.</summary>
    public long? ResidentAnonymousBytes { get; init; }
    /// <summary>Bytes of live objects on the GC heap after the last collection (before the first one, what has been allocated).</summary>
    public long ManagedHeapBytes { get; init; }
    /// <summary>Memory the GC had committed at the last collection (its heap with room to allocate in); 0 before the first one.</summary>
    public long ManagedCommittedBytes { get; init; }
    /// <summary>Bytes malloc has handed out and not had back (glibc only).</summary>
    public long? NativeInUseBytes { get; init; }
    /// <summary>Free bytes malloc keeps in its arenas (glibc only); trims give the resident part of these back.</summary>
    public long? NativeFreeHeldBytes { get; init; }
    /// <summary>Bytes SQLite holds (page caches, schemas, prepared statements), part of the native heap in use.</summary>
    public long SqliteBytes { get; init; }
    /// <summary>Most malloc arenas (glibc): MALLOC_ARENA_MAX, else the server's limit; null for glibc's default of 8 per CPU.</summary>
    public int? ArenaLimit { get; init; }
    /// <summary>Malloc arenas there are now (glibc only); above the limit when threads made theirs before it was set.</summary>
    public int? Arenas { get; init; }
    /// <summary>How often the native heap is trimmed, in seconds; 0 when it is not (turned off, or not glibc).</summary>
    public double TrimIntervalSeconds { get; init; }
    /// <summary>Trims done since the server started.</summary>
    public long Trims { get; init; }
    /// <summary>Resident bytes those trims gave back, all together.</summary>
    public long TrimmedBytes { get; init; }
    /// <summary>Seconds those trims took, all together (malloc's arenas are locked while one runs).</summary>
    public double TrimSeconds { get; init; }
    /// <summary>How often the managed heap is compacted, in seconds; 0 when it is not.</summary>
    public double CompactIntervalSeconds { get; init; }
    /// <summary>Compactions done since the server started (skipped when the runtime had just done one itself).</summary>
    public long Compactions { get; init; }
    /// <summary>Bytes of garbage those compactions collected, all together.</summary>
    public long CompactedBytes { get; init; }
    /// <summary>Seconds those compactions took, all together (requests wait while one runs).</summary>
    public double CompactSeconds { get; init; }
}

/// <summary>The store and the logs as the server finds them: <c>ok</c>, or what is failing and what waits in memory.</summary>
public sealed record StorageStatus
{
    /// <summary>ok; busy (another process holds the store's write lock); full (the data directory's disk is full).</summary>
    public string State { get; init; } = "ok";
    /// <summary>When writes started failing (null while they succeed).</summary>
    public DateTimeOffset? Since { get; init; }
    /// <summary>The last failed write's error.</summary>
    public string? Error { get; init; }
    /// <summary>Instance records, autoscaling decisions and access keys' last use waiting to be written.</summary>
    public int PendingWrites { get; init; }
    /// <summary>Closed meter intervals waiting to be written (those since the last heartbeat, more while the store fails).</summary>
    public int PendingMeterIntervals { get; init; }
    /// <summary>Closed metric intervals waiting to be written.</summary>
    public int PendingMetricPoints { get; init; }
    /// <summary>Waiting writes dropped because too many waited.</summary>
    public long DroppedWrites { get; init; }
    /// <summary>Function log lines that could not be written since the server started.</summary>
    public long LogLinesDropped { get; init; }
}

/// <summary>One image of the server's store (GET /api/v1/images).</summary>
public sealed record ImageInfo
{
    /// <summary>The manifest digest, <c>sha256:</c> and 64 hex digits.</summary>
    public required string Digest { get; init; }
    public IReadOnlyList<string> References { get; init; } = [];
    /// <summary><c>linux/amd64</c>.</summary>
    public required string Platform { get; init; }
    public IReadOnlyList<string> Entrypoint { get; init; } = [];
    public IReadOnlyList<string> Cmd { get; init; } = [];
    public string? WorkingDir { get; init; }
    public string? User { get; init; }
    public IReadOnlyList<int> ExposedPorts { get; init; } = [];
    /// <summary>Bytes of its blobs in the store.</summary>
    public long SizeBytes { get; init; }
    public required DateTimeOffset AddedAt { get; init; }
    /// <summary><c>load FILE</c> or <c>pull REF</c>.</summary>
    public string? Source { get; init; }
    /// <summary>Functions whose spec runs it.</summary>
    public IReadOnlyList<string> UsedBy { get; init; } = [];
}

/// <summary>POST /api/v1/images/load: an archive on the server's file system.</summary>
public sealed record LoadImageRequest
{
    /// <summary>Absolute path of an OCI archive or a docker save tarball, on the server's machine.</summary>
    public string? Path { get; init; }
    /// <summary>The reference to name it by; without one, those the archive gives.</summary>
    public string? Reference { get; init; }
}

/// <summary>POST /api/v1/images/pull.</summary>
public sealed record PullImageRequest
{
    public string? Reference { get; init; }
    /// <summary>False to pull over plain HTTP or from a registry whose certificate is not trusted.</summary>
    public bool TlsVerify { get; init; } = true;
}

/// <summary>One open session of a function with session affinity (GET /api/v1/functions/NAME/sessions).</summary>
public sealed record SessionInfo
{
    public required string Id { get; init; }
    /// <summary>The instance that holds it.</summary>
    public required string InstanceId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset LastUsedAt { get; init; }
    /// <summary>Its requests in flight.</summary>
    public int Active { get; init; }
    /// <summary>When it ends unless a request comes (its TTL or idle timeout); null for an MCP SSE session, which ends with its stream.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
