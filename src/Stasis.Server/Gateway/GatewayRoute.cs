using System.Collections.Frozen;
using System.Globalization;
using System.Runtime.CompilerServices;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Yarp.ReverseProxy.Forwarder;

namespace Stasis.Server.Gateway;

/// <summary>
/// Everything the gateway derives from one version of a function, computed once per version
/// instead of once per request: allowed methods, timeouts, FC header values.
/// </summary>
internal sealed class GatewayRoute
{
    private static readonly ConditionalWeakTable<FunctionRecord, GatewayRoute> Cache = new();
    private static readonly string[] AllMethods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    /// <summary>With a function-auth trigger: the methods an anonymous trigger still leaves open.</summary>
    private readonly FrozenSet<string>? _anonymousMethods;

    private GatewayRoute(FunctionRecord record, string region)
    {
        var spec = record.Spec;
        Spec = spec;
        var http = spec.Triggers.Where(t => string.Equals(t.TriggerType, "http", StringComparison.OrdinalIgnoreCase)).ToList();
        var methods = http.SelectMany(t => t.TriggerConfig?.Methods ?? [.. AllMethods]).Select(m => m.ToUpperInvariant()).Distinct().ToList();
        Methods = http.Count == 0 ? null : methods.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        if (http.Any(t => TriggerAuthTypes.RequiresKey(t.TriggerConfig?.AuthType)))
        {
            // A method some anonymous trigger allows stays open; the others need a key.
            KeyRequired = true;
            _anonymousMethods = http.Where(t => !TriggerAuthTypes.RequiresKey(t.TriggerConfig?.AuthType))
                .SelectMany(t => t.TriggerConfig?.Methods ?? [.. AllMethods]).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        }

        Allow = http.Count == 0 ? "any method" : string.Join(", ", methods);
        ExecutionTimeout = TimeSpan.FromSeconds(spec.Timeout);
        WaitTimeout = InstanceLaunchFactory.StartTimeout(spec) + ExecutionTimeout;
        Forwarding = new ForwarderRequestConfig { ActivityTimeout = ExecutionTimeout };
        Memory = spec.MemorySize.ToString(CultureInfo.InvariantCulture);
        Initializer = spec.InstanceLifecycleConfig?.Initializer?.Handler ?? "";
        InitializationTimeout = (spec.InstanceLifecycleConfig?.Initializer?.Timeout ?? 0).ToString(CultureInfo.InvariantCulture);
        Handler = spec.Handler ?? "not-used";
        Region = spec.Region ?? region;
        Sessions = spec.SessionAffinity is null ? null : new SessionRoute(spec);
    }

    public FunctionSpec Spec { get; }
    /// <summary>Whether any HTTP trigger has <c>authType: function</c>; false means every call is open, with nothing to check.</summary>
    public bool KeyRequired { get; }
    /// <summary>Methods the HTTP triggers allow; null when the function has no HTTP trigger (any method).</summary>
    public FrozenSet<string>? Methods { get; }
    public string Allow { get; }
    public TimeSpan ExecutionTimeout { get; }
    public TimeSpan WaitTimeout { get; }
    public ForwarderRequestConfig Forwarding { get; }
    public string Memory { get; }
    public string Initializer { get; }
    public string InitializationTimeout { get; }
    public string Handler { get; }
    public string Region { get; }
    /// <summary>Where requests carry their session (session affinity); null without it, and then nothing is read.</summary>
    public SessionRoute? Sessions { get; }

    public static GatewayRoute For(FunctionRecord record, string region) =>
        Cache.GetValue(record, r => new GatewayRoute(r, region));

    public bool Allows(string method) => Methods is null || Methods.Contains(method);

    /// <summary>Whether a call with <paramref name="method"/> needs an access key: no anonymous trigger allows it, and a function-auth one does.</summary>
    public bool RequiresKey(string method) => KeyRequired && !_anonymousMethods!.Contains(method);
}
