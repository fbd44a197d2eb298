using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>
/// A function as Function Compute 3.0 describes it (the props of an fc3 <c>s.yaml</c> resource),
/// plus the few Stasis extensions documented in docs/s-yaml.md. Field names are FC's, in camelCase.
/// </summary>
public sealed record FunctionSpec
{
    public string FunctionName { get; init; } = "";
    public string? Description { get; init; }
    public string? Region { get; init; }
    /// <summary><c>custom-container</c> (default) or <c>custom.debian10</c>-style custom runtimes: both run entrypoint + command.</summary>
    public string? Runtime { get; init; }
    public string? Handler { get; init; }
    /// <summary>Seconds an invocation may run before the gateway answers 504.</summary>
    public int Timeout { get; init; } = FunctionDefaults.TimeoutSeconds;
    /// <summary>MB.</summary>
    public int MemorySize { get; init; } = FunctionDefaults.MemorySizeMb;
    /// <summary>vCPUs; applied as a CFS quota where the cpu controller is available.</summary>
    public double? Cpu { get; init; }
    /// <summary>MB of GPU memory (FC's top-level gpuMemorySize).</summary>
    public int? GpuMemorySize { get; init; }
    /// <summary>MB.</summary>
    public int? DiskSize { get; init; }
    public int InstanceConcurrency { get; init; } = 1;
    public Dictionary<string, string> EnvironmentVariables { get; init; } = new();
    public CustomContainerConfig? CustomContainerConfig { get; init; }
    /// <summary>Absolute directory the instance runs in (the CLI resolves <c>code</c> relative to s.yaml).</summary>
    public string? Code { get; init; }
    public GpuConfig? GpuConfig { get; init; }
    public InstanceLifecycleConfig? InstanceLifecycleConfig { get; init; }
    public bool? InternetAccess { get; init; }
    /// <summary>FC's logConfig, kept as given: an object, or <c>auto</c> (FC makes the log project); Stasis writes the function's log itself.</summary>
    public JsonNode? LogConfig { get; init; }
    public List<TriggerSpec> Triggers { get; init; } = new();
    /// <summary>FC's ProvisionConfig, kept as given.</summary>
    public JsonObject? ProvisionConfig { get; init; }
    /// <summary>Stasis extension: most instances this function may run at once (default 10).</summary>
    public int? MaxInstances { get; init; }
    /// <summary>Stasis extension: most requests that may wait for a slot (default 4 × instanceConcurrency × maxInstances, at least 16); beyond it, 429.</summary>
    public int? MaxQueueLength { get; init; }
    /// <summary>
    /// Stasis extension: how a request picks its instance — <c>join-idle-queue</c> (default),
    /// <c>least-outstanding</c>, <c>power-of-two-choices</c>, <c>random</c> or <c>round-robin</c>.
    /// </summary>
    public string? SchedulingPolicy { get; init; }
    /// <summary>Stasis extension: seconds an on-demand instance may stay idle before it is stopped (default: the server's).</summary>
    public int? IdleTimeout { get; init; }
    /// <summary>
    /// Stasis extension: most requests per second the gateway lets through to this function, measured as a token
    /// bucket; beyond it, 429 RateLimited with Retry-After. Null (the default): no limit.
    /// </summary>
    public double? MaxRequestsPerSecond { get; init; }
    /// <summary>
    /// Stasis extension, with <see cref="MaxRequestsPerSecond"/>: how many requests may arrive at once (the bucket's
    /// size); default one second's worth, at least 1.
    /// </summary>
    public int? Burst { get; init; }
    /// <summary>FC's session affinity type (<see cref="SessionAffinityTypes"/>); null: none, any instance serves any request.</summary>
    public string? SessionAffinity { get; init; }
    public SessionAffinityConfig? SessionAffinityConfig { get; init; }
    /// <summary>Props Stasis does not know, kept verbatim and reported as warnings.</summary>
    public Dictionary<string, JsonNode?>? UnknownProps { get; init; }

    [JsonIgnore]
    public int EffectiveMaxInstances => MaxInstances ?? FunctionDefaults.MaxInstances;

    /// <summary>Example: maxRequestsPerSecond 2.5 and no burst → 3 requests may arrive at once.</summary>
    [JsonIgnore]
    public int EffectiveBurst => Burst ?? Math.Max(1, (int)Math.Ceiling(Math.Min(MaxRequestsPerSecond ?? 1, int.MaxValue)));

    /// <summary>Sessions one instance holds: the config's, else FC's 20 but no more than instanceConcurrency.</summary>
    [JsonIgnore]
    public int EffectiveSessionsPerInstance => SessionAffinityConfig?.SessionConcurrencyPerInstance
        ?? Math.Max(1, Math.Min(SessionAffinityTypes.DefaultSessionsPerInstance, InstanceConcurrency));

    /// <summary>Example: instanceConcurrency 4, maxInstances 10 → 160 requests may wait.</summary>
    [JsonIgnore]
    public int EffectiveMaxQueueLength => MaxQueueLength ?? Math.Max(16, 4 * InstanceConcurrency * Math.Max(1, EffectiveMaxInstances));
}

public static class FunctionDefaults
{
    public const int TimeoutSeconds = 60;
    public const int MemorySizeMb = 512;
    public const int MaxInstances = 10;
    public const int InitializerTimeoutSeconds = 60;
    public const int PreStopTimeoutSeconds = 10;
    public const int DefaultPort = 9000;
    public const int DiskSizeMb = 512;
}

public sealed record CustomContainerConfig
{
    public string? Image { get; init; }
    public List<string>? Entrypoint { get; init; }
    public List<string>? Command { get; init; }
    public int? Port { get; init; }
    /// <summary>FC keys Stasis does not use (accelerationType, registryConfig, healthCheckConfig...), kept verbatim.</summary>
    public Dictionary<string, JsonNode?>? UnknownProps { get; init; }
}

public sealed record GpuConfig
{
    public int? GpuMemorySize { get; init; }
    public string? GpuType { get; init; }
}

public sealed record InstanceLifecycleConfig
{
    public LifecycleHook? Initializer { get; init; }
    public LifecycleHook? PreStop { get; init; }
}

public sealed record LifecycleHook
{
    public string? Handler { get; init; }
    /// <summary>Seconds.</summary>
    public int? Timeout { get; init; }
}

public sealed record TriggerSpec
{
    public string TriggerName { get; init; } = "";
    public string TriggerType { get; init; } = "http";
    public string? Qualifier { get; init; }
    public TriggerConfig? TriggerConfig { get; init; }
}

public sealed record TriggerConfig
{
    /// <summary><c>anonymous</c> (the default) or <c>function</c>, which requires an access key (<see cref="TriggerAuthTypes"/>).</summary>
    public string? AuthType { get; init; }
    public List<string>? Methods { get; init; }
    public bool? DisableURLInternet { get; init; }
}

/// <summary>The <c>authType</c> values of an HTTP trigger that Stasis serves.</summary>
public static class TriggerAuthTypes
{
    /// <summary>Anyone may call the trigger.</summary>
    public const string Anonymous = "anonymous";
    /// <summary>A caller needs an access key with scope <c>admin</c> or <c>invoke:FUNCTION</c> (docs/security.md).</summary>
    public const string Function = "function";

    /// <summary>Whether <paramref name="authType"/> asks for an access key.</summary>
    public static bool RequiresKey(string? authType) => string.Equals(authType, Function, StringComparison.OrdinalIgnoreCase);
}
