using Stasis.Client.Model;

namespace Stasis.Server.Hosting;

/// <summary>Settings of one Stasis server process. Defaults are the embedded ones: loopback, SQLite under ./.stasis, local processes.</summary>
public sealed record StasisServerOptions
{
    /// <summary>host:port to listen on; port 0 picks a free one.</summary>
    public string Listen { get; init; } = "127.0.0.1:7070";
    /// <summary>How often the server applies changes others made to the function catalog in the store.</summary>
    public TimeSpan CatalogPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public string DataDirectory { get; init; } = ".stasis";
    /// <summary>Largest request body the gateway accepts (413 beyond). FC's limit for synchronous invocations is 32 MB.</summary>
    public long MaxRequestBodyBytes { get; init; } = 32L * 1024 * 1024;
    /// <summary>An on-demand instance idle this long is stopped (functions may override with idleTimeout).</summary>
    public TimeSpan InstanceIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Time an instance gets between SIGTERM and SIGKILL.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long shutdown waits for in-flight requests before stopping instances anyway.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Idle mode: how long a provisioned instance with no request stays warm before it is frozen (FC: 0).</summary>
    public TimeSpan FreezeGrace { get; init; } = TimeSpan.Zero;

    /// <summary>How many instances may start at once across the server (process to ready, initializer included); the rest wait their turn.</summary>
    public int MaxConcurrentStarts { get; init; } = Scheduling.StartGate.DefaultConcurrency;
    /// <summary>Region reported to functions in x-fc-region and FC_REGION.</summary>
    public string Region { get; init; } = "local";
    /// <summary>
    /// A JSON config file (see docs/configuration.md); when set, its <c>prices</c> section is laid over
    /// <see cref="Prices"/> at start-up, and a key it does not know or a negative price stops the start.
    /// </summary>
    public string? ConfigFile { get; init; }
    /// <summary>Unit prices of the bill; defaults are FC's CU factors for a Tesla GPU instance.</summary>
    public Prices Prices { get; init; } = new();
    /// <summary>
    /// How long start-up waits for another process that holds the store's write lock (docs/reliability.md)
    /// before it gives up with an error naming the file and that process.
    /// </summary>
    public TimeSpan StoreLockWait { get; init; } = Storage.StasisDb.DefaultLockWait;

    /// <summary>How long the start-up integrity check (quick_check) may run before the start goes on without it finished; zero skips it.</summary>
    public TimeSpan StoreCheckTimeout { get; init; } = Storage.StoreIntegrity.StartupBound;
    /// <summary>How often the meter persists its ledger; a killed server loses at most this much billed time.</summary>
    public TimeSpan MeterHeartbeat { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Target tracking: metric intervals over target before a scale-out (FC/AWS: 3).</summary>
    public int ScaleOutIntervals { get; init; } = 3;
    /// <summary>Target tracking: metric intervals under target before a scale-in; longer, so that a lull does not release instances.</summary>
    public int ScaleInIntervals { get; init; } = 15;
    /// <summary>
    /// How long a metrics interval lasts (docs/metrics.md): 1 s to 3600 s. Null takes the config file's
    /// <c>metrics.intervalSeconds</c>, else 60 s; the server sets it when it starts.
    /// </summary>
    public TimeSpan? MetricsInterval { get; init; }
    /// <summary>How long metrics are kept in the store; null takes the config file's <c>metrics.retentionDays</c>, else 31 days.</summary>
    public TimeSpan? MetricsRetention { get; init; }
    /// <summary>
    /// HTTP limits and the server-wide instance cap (docs/limits.md). A field left null takes the config file's
    /// <c>limits</c> key, else its default; the server fills every field when it starts.
    /// </summary>
    public ServerLimits Limits { get; init; } = new();

    /// <summary>
    /// Whether the control API and /metrics ask for an access key on a loopback address too (docs/security.md); null
    /// takes the config file's <c>auth.required</c>, else false. On any other address they always do.
    /// </summary>
    public bool? RequireAuth { get; init; }

    /// <summary>
    /// Runs instances as plain processes of the server's user instead of in their OCI sandbox (docs/security.md):
    /// only for code you trust, on a host without runc or user namespaces. The banner says so.
    /// </summary>
    public bool UnsafeNoSandbox { get; init; }

    /// <summary>What one function's log may hold on disk (docs/limits.md): <c>function.log</c> is started anew past half of it.</summary>
    public long LogQuotaBytes { get; init; } = Logs.FunctionLogBook.DefaultQuotaBytes;

    /// <summary>The server key that seals the store's access keys (docs/security.md); null: <c>server.key</c> in the data directory, made on the first start. Servers sharing a store share it.</summary>
    public string? ServerKeyFile { get; init; }

    /// <summary>
    /// Addresses or CIDR ranges of the load balancers in front of the server (docs/limits.md, "Connections"): their
    /// connections are not held to the per-address cap, and the client address they forward (X-Forwarded-For) is what
    /// the per-address cap counts for their requests. Empty: no proxy is trusted, X-Forwarded-For is ignored.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
    /// <summary>Where the image store lives (docs/images.md); null: <c>images</c> in the data directory.</summary>
    public string? ImageStoreDirectory { get; init; }
    /// <summary>The registry credentials <c>images pull</c> uses; null: skopeo's usual auth.json (<c>$REGISTRY_AUTH_FILE</c>, <c>$XDG_RUNTIME_DIR/containers/auth.json</c>, <c>~/.docker/config.json</c>).</summary>
    public string? RegistryAuthFile { get; init; }

    /// <summary>The most processes and threads one sandboxed instance may have (<c>pids.max</c>, docs/limits.md).</summary>
    public int InstancePidsLimit { get; init; } = Runtime.Process.ProcessRuntimeOptions.DefaultPidsLimit;
    /// <summary>
    /// An admin access key, <c>&lt;id&gt;.&lt;secret&gt;</c>, to store (or restore) at start-up instead of creating one on a
    /// first start; the CLI takes it from <c>STASIS_ADMIN_KEY</c>.
    /// </summary>
    public string? AdminKey { get; init; }

    /// <summary>
    /// How often the native heap's free memory is given back to the kernel (<see cref="NativeHeapTrimmer"/>,
    /// docs/reliability.md); zero turns it off. 1 s to 1 h otherwise.
    /// </summary>
    public TimeSpan MemoryTrimInterval { get; init; } = DefaultMemoryTrimInterval;

    /// <summary>The default of <see cref="MemoryTrimInterval"/>.</summary>
    public static readonly TimeSpan DefaultMemoryTrimInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the managed heap gets a full, compacting collection (<see cref="ManagedHeapCompactor"/>,
    /// docs/reliability.md); zero turns it off. 10 s to 1 h otherwise.
    /// </summary>
    public TimeSpan MemoryCompactInterval { get; init; } = DefaultMemoryCompactInterval;

    /// <summary>The default of <see cref="MemoryCompactInterval"/>.</summary>
    public static readonly TimeSpan DefaultMemoryCompactInterval = TimeSpan.FromMinutes(1);

    /// <summary>The metrics interval in effect.</summary>
    internal TimeSpan EffectiveMetricsInterval => MetricsInterval ?? Metrics.MetricsIntervals.Default;

    /// <summary>The metrics retention in effect.</summary>
    internal TimeSpan EffectiveMetricsRetention => MetricsRetention ?? Metrics.MetricsIntervals.DefaultRetention;
}
