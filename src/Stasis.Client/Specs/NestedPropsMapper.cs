using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.Client.Specs;

/// <summary>
/// Maps FC's nested props: customContainerConfig (and customRuntimeConfig, its twin for
/// <c>custom.debian10</c>-style runtimes), gpuConfig, instanceLifecycleConfig and triggers.
/// </summary>
internal sealed class NestedPropsMapper(SpecProblems problems, SpecReader read, List<string> warnings)
{
    public CustomContainerConfig? Container(SpecNode v, string f)
    {
        if (read.Map(v, f) is not { } map)
        {
            return null;
        }

        var config = new CustomContainerConfig();
        var unknown = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, e) in Entries(map, f))
        {
            config = e.Key switch
            {
                "image" => config with { Image = read.String(e.Value, key) },
                "entrypoint" => config with { Entrypoint = read.StringList(e.Value, key) },
                "command" => config with { Command = read.StringList(e.Value, key) },
                "port" => config with { Port = read.Int(e.Value, key, "a TCP port") },
                _ => Keep(config, unknown, key, e),
            };
        }

        return config with { UnknownProps = unknown.Count > 0 ? unknown : null };
    }

    /// <summary>
    /// FC starts a custom runtime with <c>customRuntimeConfig {command, args, port}</c>, which is what
    /// customContainerConfig's <c>entrypoint</c>, <c>command</c> and <c>port</c> mean to the process runtime.
    /// </summary>
    public CustomContainerConfig? MergeRuntimeConfig(CustomContainerConfig? container, SpecEntry entry, string f)
    {
        if (read.Map(entry.Value, f) is not { } map)
        {
            return container;
        }

        var merged = container ?? new CustomContainerConfig();
        foreach (var (key, e) in Entries(map, f))
        {
            switch (e.Key)
            {
                case "command" when Unset(merged.Entrypoint, key, e, "customContainerConfig.entrypoint"):
                    merged = merged with { Entrypoint = read.StringList(e.Value, key) };
                    break;
                case "args" when Unset(merged.Command, key, e, "customContainerConfig.command"):
                    merged = merged with { Command = read.StringList(e.Value, key) };
                    break;
                case "port" when Unset(merged.Port, key, e, "customContainerConfig.port"):
                    merged = merged with { Port = read.Int(e.Value, key, "a TCP port") };
                    break;
                case "command" or "args" or "port":
                    break;
                default:
                    Ignored(key, e);
                    break;
            }
        }

        return merged;
    }

    public GpuConfig? Gpu(SpecNode v, string f)
    {
        if (read.Map(v, f) is not { } map)
        {
            return null;
        }

        var gpu = new GpuConfig();
        foreach (var (key, e) in Entries(map, f))
        {
            gpu = e.Key switch
            {
                "gpuMemorySize" => gpu with { GpuMemorySize = read.Int(e.Value, key, "MB") },
                "gpuType" => gpu with { GpuType = read.String(e.Value, key) },
                _ => Ignored(gpu, key, e),
            };
        }

        return gpu;
    }

    public InstanceLifecycleConfig? Lifecycle(SpecNode v, string f)
    {
        if (read.Map(v, f) is not { } map)
        {
            return null;
        }

        var lifecycle = new InstanceLifecycleConfig();
        foreach (var (key, e) in Entries(map, f))
        {
            lifecycle = e.Key switch
            {
                "initializer" => lifecycle with { Initializer = Hook(e.Value, key) },
                "preStop" => lifecycle with { PreStop = Hook(e.Value, key) },
                _ => Ignored(lifecycle, key, e),
            };
        }

        return lifecycle;
    }

    public List<TriggerSpec> Triggers(SpecNode v, string f)
    {
        var triggers = new List<TriggerSpec>();
        if (read.Seq(v, f, "a list of triggers") is not { } seq)
        {
            return triggers;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var at = $"{f}[{i}]";
            problems.Locate(at, seq.Items[i].Line, seq.Items[i].Column);
            if (read.Map(seq.Items[i], at, "a trigger {triggerName, triggerType, triggerConfig}") is not { } map)
            {
                continue;
            }

            var trigger = new TriggerSpec();
            foreach (var (key, e) in Entries(map, at))
            {
                trigger = e.Key switch
                {
                    "triggerName" => trigger with { TriggerName = read.String(e.Value, key) ?? "" },
                    "triggerType" => trigger with { TriggerType = read.String(e.Value, key) ?? trigger.TriggerType },
                    "qualifier" => trigger with { Qualifier = read.String(e.Value, key) },
                    "triggerConfig" => trigger with { TriggerConfig = TriggerConfig(e.Value, key) },
                    _ => Ignored(trigger, key, e),
                };
            }

            triggers.Add(trigger);
        }

        return triggers;
    }

    /// <summary>FC's sessionAffinityConfig: a mapping in s.yaml, or the JSON string FC's API takes.</summary>
    public SessionAffinityConfig? Sessions(SpecNode v, string f)
    {
        if (v is SpecScalar { Value: string text })
        {
            try
            {
                return System.Text.Json.JsonSerializer.Deserialize<SessionAffinityConfig>(text, JsonDefaults.Options);
            }
            catch (System.Text.Json.JsonException e)
            {
                problems.Error(f, v, $"sessionAffinityConfig is a string but not the JSON object FC's API takes ({e.Message.Split(". ")[0]}): write it as a mapping");
                return null;
            }
        }

        if (read.Map(v, f, "a mapping {sessionConcurrencyPerInstance, sessionTTLInSeconds, ...}") is not { } map)
        {
            return null;
        }

        var config = new SessionAffinityConfig();
        foreach (var (key, e) in Entries(map, f))
        {
            config = e.Key switch
            {
                "affinityHeaderFieldName" => config with { AffinityHeaderFieldName = read.String(e.Value, key) },
                "sessionConcurrencyPerInstance" => config with { SessionConcurrencyPerInstance = read.Int(e.Value, key, "sessions") },
                "sessionTTLInSeconds" => config with { SessionTtlInSeconds = read.Int(e.Value, key, "seconds") },
                "sessionIdleTimeoutInSeconds" => config with { SessionIdleTimeoutInSeconds = read.Int(e.Value, key, "seconds") },
                "disableSessionIdReuse" => config with { DisableSessionIdReuse = read.Bool(e.Value, key) },
                "sseEndpointPath" => config with { SseEndpointPath = read.String(e.Value, key) },
                _ => Ignored(config, key, e),
            };
        }

        return config;
    }

    private TriggerConfig? TriggerConfig(SpecNode v, string f)
    {
        if (read.Map(v, f) is not { } map)
        {
            return null;
        }

        var config = new TriggerConfig();
        foreach (var (key, e) in Entries(map, f))
        {
            config = e.Key switch
            {
                "authType" => config with { AuthType = read.String(e.Value, key) },
                "methods" => config with { Methods = read.StringList(e.Value, key) },
                "disableURLInternet" => config with { DisableURLInternet = read.Bool(e.Value, key) },
                _ => Ignored(config, key, e),
            };
        }

        return config;
    }

    private LifecycleHook? Hook(SpecNode v, string f)
    {
        if (read.Map(v, f, "a hook {handler, timeout}") is not { } map)
        {
            return null;
        }

        var hook = new LifecycleHook();
        foreach (var (key, e) in Entries(map, f))
        {
            hook = e.Key switch
            {
                "handler" => hook with { Handler = read.String(e.Value, key) },
                "timeout" => hook with { Timeout = read.Int(e.Value, key, "seconds") },
                _ => Ignored(hook, key, e),
            };
        }

        return hook;
    }

    private IEnumerable<(string Field, SpecEntry Entry)> Entries(SpecMap map, string f)
    {
        foreach (var e in map.Entries)
        {
            var key = $"{f}.{e.Key}";
            problems.Locate(key, e.Line, e.Column);
            yield return (key, e);
        }
    }

    private bool Unset<T>(T? current, string field, SpecEntry e, string other)
    {
        if (current is null)
        {
            return true;
        }

        problems.Error(field, e.Line, e.Column, $"conflicts with {other}; set one of them");
        return false;
    }

    private T Keep<T>(T value, Dictionary<string, JsonNode?> unknown, string field, SpecEntry e)
    {
        unknown[e.Key] = SpecReader.ToJson(e.Value);
        warnings.Add($"{field} (line {e.Line}) is not used by Stasis and was kept");
        return value;
    }

    private T Ignored<T>(T value, string field, SpecEntry e)
    {
        Ignored(field, e);
        return value;
    }

    private void Ignored(string field, SpecEntry e) =>
        warnings.Add($"{field} (line {e.Line}) is not used by Stasis and was ignored");
}
