using System.Globalization;
using System.Text.RegularExpressions;
using Stasis.Client.Model;

namespace Stasis.Client.Specs;

/// <summary>
/// The rules a <see cref="FunctionSpec"/> must meet to be deployed, whichever way it arrives (s.yaml or the
/// REST API). Bounds follow FC 3.0 where Stasis runs the same thing; where the local process runtime
/// cannot run what FC can (images, event triggers, JWT auth), the message says what to write instead.
/// </summary>
public static partial class FunctionSpecValidator
{
    public const int MaxTimeoutSeconds = 86_400;
    public const int MinMemoryMb = 64;
    // FC caps CPU functions at 32 GB, but its GPU instance types go well beyond; the host is the real cap.
    public const int MaxMemoryMb = 131_072;
    public const double MinCpu = 0.05;
    public const double MaxCpu = 16;
    public const int MaxInstanceConcurrency = 200;
    public const int MaxMaxInstances = 1000;
    public const int MaxQueueLength = 100_000;
    public const int MaxHookTimeoutSeconds = 3600;
    public const double MinRequestsPerSecond = 0.001;
    public const double MaxRequestsPerSecond = 1_000_000;
    public const int MaxBurst = 1_000_000;

    private static readonly string[] HttpMethods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    /// <summary>The HTTP trigger auth types Stasis serves: open, or an access key with the function's invoke scope.</summary>
    public static readonly IReadOnlyList<string> AuthTypes = [TriggerAuthTypes.Anonymous, TriggerAuthTypes.Function];

    /// <param name="requireRunnable">Whether the local process runtime must be able to start it (entrypoint or command, code); false checks the settings only.</param>
    public static IReadOnlyList<SpecError> Validate(FunctionSpec spec, bool requireRunnable = true)
    {
        var errors = new List<SpecError>();
        void Error(string field, string message) => errors.Add(new SpecError(field, message));
        void Range(string field, double? value, double min, double? max, string unit)
        {
            if (value is { } v && (v < min || v > max))
            {
                Error(field, max is null
                    ? $"must be {Show(min)} or more {unit}, got {Show(v)}"
                    : $"must be between {Show(min)} and {Show(max.Value)} {unit}, got {Show(v)}");
            }
        }

        if (FunctionNameProblem(spec.FunctionName) is { } nameProblem)
        {
            Error("functionName", nameProblem);
        }

        Range("timeout", spec.Timeout, 1, MaxTimeoutSeconds, "seconds");
        Range("memorySize", spec.MemorySize, MinMemoryMb, MaxMemoryMb, "MB");
        Range("cpu", spec.Cpu, MinCpu, MaxCpu, "vCPUs");
        Range("diskSize", spec.DiskSize, 0, null, "MB");
        Range("gpuMemorySize", spec.GpuMemorySize, 0, null, "MB");
        Range("gpuConfig.gpuMemorySize", spec.GpuConfig?.GpuMemorySize, 0, null, "MB");
        Range("instanceConcurrency", spec.InstanceConcurrency, 1, MaxInstanceConcurrency, "requests");
        Range("customContainerConfig.port", spec.CustomContainerConfig?.Port, 1, 65_535, "(a TCP port)");
        Range("maxInstances", spec.MaxInstances, 0, MaxMaxInstances, "instances");
        Range("maxQueueLength", spec.MaxQueueLength, 0, MaxQueueLength, "requests");
        Range("idleTimeout", spec.IdleTimeout, 1, MaxTimeoutSeconds, "seconds");
        Range("maxRequestsPerSecond", spec.MaxRequestsPerSecond, MinRequestsPerSecond, MaxRequestsPerSecond, "requests per second");
        Range("burst", spec.Burst, 1, MaxBurst, "requests");
        if (spec.Burst is not null && spec.MaxRequestsPerSecond is null)
        {
            Error("burst", "burst sizes the maxRequestsPerSecond limit; set maxRequestsPerSecond too, or remove burst");
        }

        Range("instanceLifecycleConfig.initializer.timeout", spec.InstanceLifecycleConfig?.Initializer?.Timeout, 1, MaxHookTimeoutSeconds, "seconds");
        Range("instanceLifecycleConfig.preStop.timeout", spec.InstanceLifecycleConfig?.PreStop?.Timeout, 1, MaxHookTimeoutSeconds, "seconds");

        if (spec.SchedulingPolicy is { } policy && !SchedulingPolicyNames.IsKnown(policy))
        {
            Error("schedulingPolicy", $"'{policy}' is not a scheduling policy: use {string.Join(", ", SchedulingPolicyNames.All)}");
        }

        if (requireRunnable)
        {
            ValidateStart(spec, Error, runtime => errors.Add(new SpecError("runtime",
                $"runtime {runtime} is one of FC's built-in language runtimes, which Stasis does not run: {BuiltInRuntimeRemedy}", SpecErrorKinds.BuiltInRuntime, runtime)));
        }

        ValidateSessions(spec, Error);
        ValidateTriggers(spec.Triggers, Error);

        foreach (var name in spec.EnvironmentVariables.Keys.Where(k => !EnvironmentName().IsMatch(k)))
        {
            Error($"environmentVariables.{name}", $"'{name}' is not a valid variable name: use letters, digits and '_', not starting with a digit");
        }

        return errors;
    }

    /// <summary>What Stasis runs instead of FC's built-in runtimes: one sentence, whichever resources use them.</summary>
    public const string BuiltInRuntimeRemedy = "Stasis runs a program that serves HTTP on a port. "
        + "Wrap the handler in a small HTTP server and use runtime: custom.debian10 with customRuntimeConfig.command (e.g. [python3, server.py]) and port, or run an image (runtime: custom-container)";

    private static void ValidateStart(FunctionSpec spec, Action<string, string> error, Action<string> builtIn)
    {
        if (spec.Runtime is { } runtime && runtime != FunctionRuntimes.CustomContainer && !FunctionRuntimes.IsCustom(runtime))
        {
            // One message: what is wrong is the runtime, not a missing customContainerConfig it never had.
            builtIn(runtime);
            return;
        }

        var container = spec.CustomContainerConfig;
        var entrypoint = container?.Entrypoint ?? [];
        var command = container?.Command ?? [];
        if (entrypoint.Count == 0 && command.Count == 0 && FunctionRuntimes.IsCustom(spec.Runtime) && string.IsNullOrEmpty(container?.Image))
        {
            // FC's default start for a custom runtime: the code's bootstrap file (the server checks it is there).
            if (string.IsNullOrEmpty(spec.Code))
            {
                error("code", $"runtime {spec.Runtime} runs a program from code: give code (a directory or .zip with an executable bootstrap file, FC's default start) or customRuntimeConfig.command");
            }
            else if (!Path.IsPathRooted(spec.Code))
            {
                error("code", $"must be an absolute path, got '{spec.Code}'");
            }

            return;
        }

        if (entrypoint.Count == 0 && command.Count == 0)
        {
            // An image alone is the server's to check: only its store knows whether it has the image.
            if (string.IsNullOrEmpty(container?.Image))
            {
                error("customContainerConfig", "customContainerConfig.image, entrypoint or command is required");
            }

            return;
        }

        for (var i = 0; i < entrypoint.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(entrypoint[i]))
            {
                error($"customContainerConfig.entrypoint[{i}]", "is empty");
            }
        }

        if (entrypoint.Count == 0 && string.IsNullOrWhiteSpace(command[0]))
        {
            error("customContainerConfig.command[0]", "is empty, and with no entrypoint it is the program to run");
        }

        if (string.IsNullOrEmpty(spec.Code))
        {
            // With an image the command runs in it; only without one (or when the server lacks it) does it need code.
            if (string.IsNullOrEmpty(container?.Image))
            {
                error("code", "code is required: the directory entrypoint/command run in");
            }
        }
        else if (!Path.IsPathRooted(spec.Code))
        {
            error("code", $"must be an absolute directory path, got '{spec.Code}'");
        }
    }

    private static readonly string[] ReservedHeaders =
    [
        "host", "cookie", "set-cookie", "authorization", "content-length", "content-type", "transfer-encoding", "connection",
        "upgrade", "expect", "te", "trailer", "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
    ];

    private static void ValidateSessions(FunctionSpec spec, Action<string, string> error)
    {
        var config = spec.SessionAffinityConfig;
        if (spec.SessionAffinity is not { } type)
        {
            if (config is not null)
            {
                error("sessionAffinityConfig", $"sessionAffinityConfig has no effect without sessionAffinity: set sessionAffinity to {string.Join(", ", SessionAffinityTypes.All)}, or remove it");
            }

            return;
        }

        if (!SessionAffinityTypes.All.Contains(type))
        {
            error("sessionAffinity", $"'{type}' is not a session affinity type: use {string.Join(", ", SessionAffinityTypes.All)} (or NONE)");
            return;
        }

        const string At = "sessionAffinityConfig.";
        if (config?.SessionConcurrencyPerInstance is { } sessions)
        {
            if (sessions is < 1 or > SessionAffinityTypes.MaxSessionsPerInstance)
            {
                error(At + "sessionConcurrencyPerInstance", $"must be between 1 and {SessionAffinityTypes.MaxSessionsPerInstance} sessions, got {sessions}");
            }
            else if (sessions > spec.InstanceConcurrency)
            {
                // As on FC: each session needs a slot of its own, or one session's request waits behind another's.
                error(At + "sessionConcurrencyPerInstance", $"{sessions} sessions per instance cannot exceed instanceConcurrency ({spec.InstanceConcurrency}): raise instanceConcurrency to {sessions} or lower sessionConcurrencyPerInstance");
            }
        }

        var ttl = config?.SessionTtlInSeconds;
        if (ttl is < 1 or > SessionAffinityTypes.MaxSeconds)
        {
            error(At + "sessionTTLInSeconds", $"must be between 1 and {SessionAffinityTypes.MaxSeconds} seconds, got {ttl}");
        }

        if (config?.SessionIdleTimeoutInSeconds is { } idle)
        {
            if (idle is < 0 or > SessionAffinityTypes.MaxSeconds)
            {
                error(At + "sessionIdleTimeoutInSeconds", $"must be between 0 and {SessionAffinityTypes.MaxSeconds} seconds, got {idle}");
            }
            else if (idle > (ttl ?? SessionAffinityTypes.DefaultTtlSeconds))
            {
                error(At + "sessionIdleTimeoutInSeconds", $"{idle} s is longer than the session's whole life (sessionTTLInSeconds, {ttl ?? SessionAffinityTypes.DefaultTtlSeconds} s): lower it or raise the TTL");
            }
        }

        var header = config?.AffinityHeaderFieldName;
        if (type == SessionAffinityTypes.HeaderField)
        {
            if (string.IsNullOrEmpty(header))
            {
                error(At + "affinityHeaderFieldName", "HEADER_FIELD needs the request header that carries the session id: set sessionAffinityConfig.affinityHeaderFieldName, e.g. x-session-id");
            }
            else if (!HeaderName().IsMatch(header) || header.StartsWith("x-fc-", StringComparison.OrdinalIgnoreCase))
            {
                error(At + "affinityHeaderFieldName", $"'{header}' cannot carry session ids: use 5 to 40 letters, digits, '-' or '_', starting with a letter and not with x-fc-");
            }
            else if (ReservedHeaders.Contains(header, StringComparer.OrdinalIgnoreCase))
            {
                error(At + "affinityHeaderFieldName", $"'{header}' is a standard HTTP header the gateway uses itself: name a header of your own, such as x-session-id");
            }
        }
        else if (header is not null)
        {
            error(At + "affinityHeaderFieldName", $"affinityHeaderFieldName is for HEADER_FIELD; {type} does not use it: remove it, or set sessionAffinity: HEADER_FIELD");
        }

        var ssePath = config?.SseEndpointPath;
        if (type == SessionAffinityTypes.McpSse)
        {
            if (ssePath is not null && (!ssePath.StartsWith('/') || ssePath.Contains('?', StringComparison.Ordinal) || ssePath.Any(char.IsWhiteSpace)))
            {
                error(At + "sseEndpointPath", $"'{ssePath}' is not a path: give the SSE stream's path as the function serves it, starting with / and without a query (default /sse)");
            }
        }
        else if (ssePath is not null)
        {
            error(At + "sseEndpointPath", $"sseEndpointPath is for MCP_SSE; {type} does not use it: remove it, or set sessionAffinity: MCP_SSE");
        }
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_-]{4,39}\z")]
    private static partial Regex HeaderName();

    private static void ValidateTriggers(List<TriggerSpec> triggers, Action<string, string> error)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var unsupported = new List<(string At, TriggerSpec Trigger)>();
        for (var i = 0; i < triggers.Count; i++)
        {
            var t = triggers[i];
            var at = $"triggers[{i}]";
            if (string.IsNullOrEmpty(t.TriggerName))
            {
                error($"{at}.triggerName", "triggerName is required");
            }
            else if (!names.Add(t.TriggerName))
            {
                error($"{at}.triggerName", $"duplicate triggerName '{t.TriggerName}'; each trigger needs its own name");
            }

            if (!string.Equals(t.TriggerType, "http", StringComparison.OrdinalIgnoreCase))
            {
                unsupported.Add((at, t));
            }

            var auth = t.TriggerConfig?.AuthType;
            if (auth is not null && !AuthTypes.Contains(auth, StringComparer.OrdinalIgnoreCase))
            {
                error($"{at}.triggerConfig.authType", string.Equals(auth, "jwt", StringComparison.OrdinalIgnoreCase)
                    ? $"authType '{auth}' is not supported by Stasis; use {string.Join(" or ", AuthTypes)} (function requires an access key, see docs/security.md)"
                    : $"authType '{auth}' is not an auth type Stasis knows; use {string.Join(" or ", AuthTypes)} (function requires an access key, see docs/security.md)");
            }

            foreach (var method in t.TriggerConfig?.Methods ?? [])
            {
                if (!HttpMethods.Contains(method.Trim(), StringComparer.OrdinalIgnoreCase))
                {
                    error($"{at}.triggerConfig.methods", $"'{method}' is not an HTTP method; use {string.Join(", ", HttpMethods)}");
                }
            }
        }
    
        if (unsupported.Count == 1)
        {
            error($"{unsupported[0].At}.triggerType", $"triggerType '{unsupported[0].Trigger.TriggerType}' is not supported yet; use http");
        }
        else if (unsupported.Count > 1)
        {
            // One message for all: the change is the same (call the function over HTTP), whichever event source it was.
            error("triggers", $"{string.Join(", ", unsupported.Select(u => $"{(u.Trigger.TriggerName.Length > 0 ? u.Trigger.TriggerName : u.At)} ({u.Trigger.TriggerType})"))} are not supported yet: Stasis serves http triggers only; remove them and call the function over HTTP (from cron, a queue consumer, a storage webhook)");
        }
    }

    /// <summary>
    /// Whether <paramref name="name"/> is a function name by FC's rule: 1–64 ASCII letters, digits, '_' and '-', starting
    /// with a letter or '_'. Such a name is one path segment that cannot leave its directory ('.', '/', NUL, '%' and
    /// look-alike letters from other scripts cannot occur), so the server checks it before a name from a request is
    /// used anywhere.
    /// </summary>
    public static bool IsValidFunctionName(string? name) => FunctionNameProblem(name) is null;

    /// <summary>What is wrong with <paramref name="name"/> as a function name; null when nothing is.</summary>
    public static string? FunctionNameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "functionName is required";
        }

        if (name.Length > 64)
        {
            return $"must be at most 64 characters, got {name.Length}";
        }

        return FunctionName().IsMatch(name)
            ? null
            : $"'{name}' may contain only ASCII letters, digits, '_' and '-', and must start with a letter or '_'";
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    // \z, not $: $ also matches before a final newline, which would let "name\n" through.
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_-]{0,63}\z")]
    private static partial Regex FunctionName();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z")]
    private static partial Regex EnvironmentName();
}
