namespace Stasis.Cli.Hosting;

/// <summary>
/// What <c>server</c> and <c>up</c> were asked for. A CLI-side record, not StasisServerOptions, so that parsing these
/// commands never loads the server assembly; <see cref="LocalServer"/> translates.
/// </summary>
internal sealed record ServerSettings(string Listen, string DataDirectory, TimeSpan IdleTimeout, long MaxRequestBodyBytes, string? ConfigFile = null, TimeSpan FreezeGrace = default,
    TimeSpan? MetricsInterval = null, TimeSpan? MetricsRetention = null, int ScaleOutIntervals = ServerSettings.DefaultScaleOutIntervals,
    int ScaleInIntervals = ServerSettings.DefaultScaleInIntervals, bool RequireAuth = false, string? AdminKey = null, int? MaxConcurrentStarts = null,
    LimitSettings? Limits = null, TimeSpan? MemoryTrimInterval = null, TimeSpan? MemoryCompactInterval = null, bool UnsafeNoSandbox = false,
    int? InstancePids = null, long? LogQuotaBytes = null, string? ImageStore = null, string? RegistryAuthFile = null, string? ServerKey = null,
    IReadOnlyList<string>? TrustedProxies = null)
{
    /// <summary>An admin key, <c>&lt;id&gt;.&lt;secret&gt;</c>, the server stores instead of creating one (automation, tests).</summary>
    public const string AdminKeyVariable = "STASIS_ADMIN_KEY";

    // Same values as StasisServerOptions' defaults, repeated here for the reason above.
    public const string DefaultListen = "127.0.0.1:7070";
    public const string DefaultDataDirectory = ".stasis";
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(5);
    public const long DefaultMaxRequestBodyBytes = 32L * 1024 * 1024;
    public const int DefaultScaleOutIntervals = 3;
    public const int DefaultScaleInIntervals = 15;
    public static readonly TimeSpan DefaultMemoryTrimInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultMemoryCompactInterval = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The limits options of <c>server</c> and <c>up</c> (docs/limits.md), each null when not given: the server then takes
/// the config file's <c>limits</c> key or its default, and checks the ranges.
/// </summary>
internal sealed record LimitSettings
{
    public long? MaxRequestHeadersBytes { get; init; }
    public int? MaxRequestHeaderCount { get; init; }
    public TimeSpan? RequestHeadersTimeout { get; init; }
    public TimeSpan? KeepAliveTimeout { get; init; }
    public long? MinRequestBodyBytesPerSecond { get; init; }
    public long? MinResponseBytesPerSecond { get; init; }
    public TimeSpan? MinDataRateGrace { get; init; }
    public int? MaxInstancesTotal { get; init; }
    public int? MaxConnections { get; init; }
    public int? MaxConnectionsPerAddress { get; init; }
}
