using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.Client.Specs;

/// <summary>
/// Maps the <c>props</c> of one fc3 resource to a <see cref="FunctionSpec"/>. Props Stasis does not know are
/// kept in <see cref="FunctionSpec.UnknownProps"/> and reported, never dropped silently: an FC user must be
/// able to see what of their file has no effect here.
/// </summary>
internal sealed class FunctionPropsMapper
{
    private readonly SpecProblems problems;
    private readonly SpecReader read;
    private readonly List<string> warnings;
    private readonly string baseDirectory;

    public FunctionPropsMapper(SpecProblems problems, List<string> warnings, string baseDirectory)
    {
        this.problems = problems;
        this.warnings = warnings;
        this.baseDirectory = baseDirectory;
        read = new SpecReader(problems);
    }

    /// <param name="prefix">Where the props sit, <c>&lt;resourceKey&gt;.props</c>; every field path starts with it.</param>
    public FunctionSpec Map(SpecMap props, string prefix)
    {
        var spec = new FunctionSpec();
        var unknown = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        SpecEntry? runtimeConfig = null;
        foreach (var e in props.Entries)
        {
            var f = $"{prefix}.{e.Key}";
            problems.Locate(f, e.Line, e.Column);
            var v = e.Value;
            if (v is SpecScalar { Value: null } && e.Key != "functionName")
            {
                if (!FcProps.Read.Contains(e.Key))
                {
                    unknown[e.Key] = null;
                    Kept(f, e);
                }

                continue;
            }

            switch (e.Key)
            {
                case "functionName": spec = spec with { FunctionName = read.String(v, f) ?? "" }; break;
                case "description": spec = spec with { Description = read.String(v, f) }; break;
                case "region": spec = spec with { Region = read.String(v, f) }; break;
                case "runtime": spec = spec with { Runtime = read.String(v, f) }; break;
                case "handler": spec = spec with { Handler = read.String(v, f) }; break;
                case "timeout" when read.Int(v, f, "seconds") is { } timeout: spec = spec with { Timeout = timeout }; break;
                case "memorySize" when read.Int(v, f, "MB") is { } memory: spec = spec with { MemorySize = memory }; break;
                case "cpu": spec = spec with { Cpu = read.Number(v, f, "vCPUs") }; break;
                case "gpuMemorySize": spec = spec with { GpuMemorySize = read.Int(v, f, "MB") }; break;
                case "diskSize": spec = spec with { DiskSize = read.Int(v, f, "MB") }; break;
                case "instanceConcurrency" when read.Int(v, f, "requests per instance") is { } c:
                    spec = spec with { InstanceConcurrency = c };
                    break;
                case "internetAccess": spec = spec with { InternetAccess = read.Bool(v, f) }; break;
                // FC also takes "auto" (it makes the log project) and "auto|project=..." strings; kept as given.
                case "logConfig" when v is SpecScalar { Value: string text } && text.StartsWith("auto", StringComparison.Ordinal):
                    spec = spec with { LogConfig = JsonValue.Create(text) };
                    break;
                case "logConfig": spec = spec with { LogConfig = read.JsonObject(v, f) }; break;
                case "provisionConfig": spec = spec with { ProvisionConfig = read.JsonObject(v, f) }; break;
                case "maxInstances": spec = spec with { MaxInstances = read.Int(v, f, "instances") }; break;
                case "maxQueueLength": spec = spec with { MaxQueueLength = read.Int(v, f, "requests") }; break;
                case "schedulingPolicy": spec = spec with { SchedulingPolicy = read.String(v, f) }; break;
                case "idleTimeout": spec = spec with { IdleTimeout = read.Int(v, f, "seconds") }; break;
                case "maxRequestsPerSecond": spec = spec with { MaxRequestsPerSecond = read.Number(v, f, "requests per second") }; break;
                case "burst": spec = spec with { Burst = read.Int(v, f, "requests") }; break;
                case "environmentVariables": spec = spec with { EnvironmentVariables = Environment(v, f) }; break;
                case "code": spec = spec with { Code = Code(v, f) }; break;
                case "customContainerConfig": spec = spec with { CustomContainerConfig = new NestedPropsMapper(problems, read, warnings).Container(v, f) }; break;
                case "customRuntimeConfig": runtimeConfig = e; break;
                case "gpuConfig": spec = spec with { GpuConfig = new NestedPropsMapper(problems, read, warnings).Gpu(v, f) }; break;
                case "instanceLifecycleConfig": spec = spec with { InstanceLifecycleConfig = new NestedPropsMapper(problems, read, warnings).Lifecycle(v, f) }; break;
                case "sessionAffinity": spec = spec with { SessionAffinity = read.String(v, f) }; break;
                case "sessionAffinityConfig": spec = spec with { SessionAffinityConfig = new NestedPropsMapper(problems, read, warnings).Sessions(v, f) }; break;
                case "triggers": spec = spec with { Triggers = new NestedPropsMapper(problems, read, warnings).Triggers(v, f) }; break;
                case "timeout" or "memorySize" or "instanceConcurrency": break; // unreadable; already reported
                default:
                    if (FcProps.Suggest(e.Key) is { } meant)
                    {
                        // Kept with the defaults, a typo would deploy without its setting and without a word.
                        problems.Error(f, e.Line, e.Column, $"{e.Key} is not an fc3 prop; did you mean {meant}?");
                        break;
                    }

                    unknown[e.Key] = SpecReader.ToJson(v);
                    Kept(f, e);
                    break;
            }
        }

        if (runtimeConfig is not null)
        {
            spec = spec with
            {
                CustomContainerConfig = new NestedPropsMapper(problems, read, warnings)
                    .MergeRuntimeConfig(spec.CustomContainerConfig, runtimeConfig, $"{prefix}.customRuntimeConfig"),
            };
        }

        return FunctionSpecNormalizer.Normalize(spec with { UnknownProps = unknown.Count > 0 ? unknown : null });
    }

    private void Kept(string field, SpecEntry e) => warnings.Add($"{field} (line {e.Line}) is not used by Stasis and was kept");

    private Dictionary<string, string> Environment(SpecNode v, string f)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (read.Map(v, f, "a mapping of NAME: value") is not { } map)
        {
            return result;
        }

        foreach (var e in map.Entries)
        {
            var key = $"{f}.{e.Key}";
            problems.Locate(key, e.Line, e.Column);
            // FC passes every value as a string; YAML's 8, true or null become "8", "true" and "".
            if (read.String(e.Value, key) is var value && e.Value is SpecScalar)
            {
                result[e.Key] = value ?? "";
            }
        }

        return result;
    }

    /// <summary>FC takes <c>code</c> as a path (a directory or a .zip) or as <c>{src: path}</c> (with OSS keys Stasis
    /// cannot fetch from); either way the path is made absolute against the s.yaml's directory, since the server runs elsewhere.</summary>
    private string? Code(SpecNode v, string f)
    {
        string? raw;
        if (v is SpecMap map)
        {
            raw = null;
            foreach (var e in map.Entries)
            {
                problems.Locate($"{f}.{e.Key}", e.Line, e.Column);
                if (e.Key == "src")
                {
                    raw = read.String(e.Value, $"{f}.src");
                }
                else
                {
                    warnings.Add($"{f}.{e.Key} (line {e.Line}) is not used by Stasis and was ignored");
                }
            }

            if (raw is null && map.Find("src") is null)
            {
                problems.Error(f, map, "code.src is required: Stasis runs code from a local directory and does not fetch it from OSS");
            }
        }
        else
        {
            raw = read.String(v, f);
        }

        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        if (raw.Contains('\0', StringComparison.Ordinal))
        {
            problems.Error(f, v, "code holds a NUL character, which no path can; give the directory's path");
            return null;
        }

        if (raw == "~" || raw.StartsWith("~/", StringComparison.Ordinal))
        {
            raw = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile) + raw[1..];
        }

        var full = Path.GetFullPath(Path.Combine(baseDirectory, raw));
        if (File.Exists(full) && !FunctionRuntimes.IsZip(full))
        {
            problems.Error(f, v, $"code '{raw}' is a file ({full}): give a directory, or a .zip archive (the server unpacks it)");
        }
        else if (!Directory.Exists(full))
        {
            warnings.Add($"{f} (line {v.Line}) names {full}, which does not exist (yet)");
        }

        return full;
    }
}
