using Stasis.Cli.Deploying;
using Stasis.Client.Model;
using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>
/// The functions of a run, and which of them each trace function calls (<see cref="Remap"/>, null when the trace's own
/// indexes are right).
/// </summary>
/// <param name="Source">How the specs were chosen, for the output.</param>
internal sealed record FunctionPlan(IReadOnlyList<SimulatedFunction> Functions, int[]? Remap, string Source);

/// <summary>
/// Matches the trace's functions to the s.yaml's:
/// <list type="bullet">
/// <item>no s.yaml: every trace function runs with Stasis' defaults (instanceConcurrency 1, maxInstances 10, 512 MB, no GPU);</item>
/// <item>an s.yaml of one function, or <c>--function NAME</c>: every trace function runs with that spec, on its own instances
/// (a trace of one function takes the s.yaml function's name);</item>
/// <item>an s.yaml of several functions: trace functions match s.yaml functions by name; every s.yaml function runs, called
/// or not, since its provisioned instances are billed either way.</item>
/// </list>
/// The provision config of each is <c>--provision FILE</c> when given, else the s.yaml's <c>provisionConfig</c>; <c>--target N</c>
/// sets its target.
/// </summary>
internal static class SimulationFunctions
{
    public static FunctionPlan Build(Template? template, string? functionName, IReadOnlyList<string> traceFunctions, bool traceNamesFunctions,
        ProvisionConfigInput? provision, int? target)
    {
        if (template is null)
        {
            if (functionName is not null)
            {
                throw new UsageException("--function picks a function of the s.yaml; give the s.yaml with -t FILE");
            }

            var shared = Provision(null, provision, target, "");
            var defaults = traceFunctions.Select(name => new SimulatedFunction(new FunctionSpec { FunctionName = name }, shared)).ToList();
            return new FunctionPlan(defaults, null, "no s.yaml, Stasis' defaults");
        }

        var resources = template.Resources;
        if (resources.Count == 0)
        {
            throw new CliException($"{template.Path} has no fc3 function to simulate");
        }

        var names = string.Join(", ", resources.Select(r => r.Spec.FunctionName));
        var chosen = functionName is not null
            ? resources.FirstOrDefault(r => r.Spec.FunctionName == functionName)
              ?? throw new UsageException($"--function '{functionName}' is not a function of {template.Path}; it has {names}")
            : resources.Count == 1 ? resources[0] : null;

        if (chosen is not null)
        {
            var spec = chosen.Spec;
            var shared = Provision(spec, provision, target, template.Path);
            var functions = traceFunctions
                .Select(name => new SimulatedFunction(traceNamesFunctions ? spec with { FunctionName = name } : spec, shared))
                .ToList();
            var source = traceNamesFunctions && traceFunctions.Count > 1
                ? $"{spec.FunctionName} of {template.Path}, for each of the trace's {traceFunctions.Count} functions"
                : $"{spec.FunctionName} of {template.Path}";
            return new FunctionPlan(functions, null, source);
        }

        if (!traceNamesFunctions)
        {
            throw new UsageException($"the trace is the traffic of one function and {template.Path} has {resources.Count} ({names}); name the one it calls with --function NAME");
        }

        var index = resources.Select((r, i) => (r.Spec.FunctionName, i)).ToDictionary(p => p.FunctionName, p => p.i, StringComparer.Ordinal);
        var unknown = traceFunctions.Where(n => !index.ContainsKey(n)).ToList();
        if (unknown.Count > 0)
        {
            var shown = string.Join(", ", unknown.Take(3)) + (unknown.Count > 3 ? $" and {unknown.Count - 3} more" : "");
            throw new UsageException($"the trace calls {shown}, which {template.Path} does not have (it has {names}); "
                + "name the trace's functions after the s.yaml's, or give --function NAME to run every trace function with one spec");
        }

        var all = resources.Select(r => new SimulatedFunction(r.Spec, Provision(r.Spec, provision, target, template.Path))).ToList();
        var remap = traceFunctions.Select(n => index[n]).ToArray();
        return new FunctionPlan(all, remap, $"{resources.Count} functions of {template.Path}, matched by name");
    }

    /// <summary>Every request's function through <paramref name="remap"/>; the same array when there is none.</summary>
    public static SimulatedRequest[] Apply(SimulatedRequest[] requests, int[]? remap)
    {
        if (remap is null)
        {
            return requests;
        }

        var mapped = new SimulatedRequest[requests.Length];
        for (var i = 0; i < requests.Length; i++)
        {
            mapped[i] = requests[i] with { Function = remap[requests[i].Function] };
        }

        return mapped;
    }

    private static ProvisionConfigInput? Provision(FunctionSpec? spec, ProvisionConfigInput? given, int? target, string templatePath)
    {
        var input = given ?? (spec?.ProvisionConfig is { } json ? ProvisionFile.FromJson(json, $"{templatePath}: {spec.FunctionName}.provisionConfig") : null);
        return target is { } t ? ProvisionFile.WithTarget(input, t) : input;
    }
}
