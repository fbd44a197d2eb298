using Stasis.Client.Model;
using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>One run of the same traffic: a way of keeping provisioned instances, and a placement policy for every function (null: each function's own).</summary>
internal sealed record RunSpec(string Label, SimulationMode Mode, string? Policy);

/// <summary>
/// Which runs a <c>simulate</c> makes: one in <c>--mode</c>; with <c>--compare</c> the three modes side by side
/// (always-allocated first, the baseline of the cost ratio); with <c>--policies</c> one more per placement policy, in
/// <c>--mode</c>.
/// </summary>
internal static class RunPlan
{
    public const string Modes = "idle, always or on-demand";

    public static IReadOnlyList<SimulationMode> All { get; } = [SimulationMode.AlwaysAllocated, SimulationMode.IdleMode, SimulationMode.OnDemand];

    public static IReadOnlyList<RunSpec> Build(SimulationMode mode, bool compare, IReadOnlyList<string> policies)
    {
        var runs = new List<RunSpec>();
        if (compare)
        {
            runs.AddRange(All.Select(m => new RunSpec(Label(m), m, null)));
        }

        runs.AddRange(policies.Select(p => new RunSpec($"{Label(mode)} / {p}", mode, p)));
        if (runs.Count == 0)
        {
            runs.Add(new RunSpec(Label(mode), mode, null));
        }

        return runs;
    }

    public static string Label(SimulationMode mode) => mode switch
    {
        SimulationMode.AlwaysAllocated => "always-allocated",
        SimulationMode.OnDemand => "on-demand",
        _ => "idle mode",
    };

    public static string Name(SimulationMode mode) => mode switch
    {
        SimulationMode.AlwaysAllocated => "always",
        SimulationMode.OnDemand => "on-demand",
        _ => "idle",
    };

    public static SimulationMode ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "idle" or "idle-mode" => SimulationMode.IdleMode,
        "always" or "always-allocated" => SimulationMode.AlwaysAllocated,
        "on-demand" or "ondemand" => SimulationMode.OnDemand,
        _ => throw new UsageException($"--mode '{text}' is not a mode; use {Modes}"),
    };

    /// <summary><c>--policies jiq,rr,p2c,lo,random</c> or the full names, each once, in the order given.</summary>
    public static IReadOnlyList<string> ParsePolicies(string? text)
    {
        if (text is null)
        {
            return [];
        }

        var policies = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = part.ToLowerInvariant() switch
            {
                "jiq" => SchedulingPolicyNames.JoinIdleQueue,
                "lo" => SchedulingPolicyNames.LeastOutstanding,
                "p2c" => SchedulingPolicyNames.PowerOfTwoChoices,
                "rr" => SchedulingPolicyNames.RoundRobin,
                var other when SchedulingPolicyNames.IsKnown(other) => other,
                _ => throw new UsageException($"--policies: '{part}' is not a placement policy; use {string.Join(", ", SchedulingPolicyNames.All)} (or jiq, lo, p2c, rr)"),
            };
            if (!policies.Contains(name))
            {
                policies.Add(name);
            }
        }

        return policies.Count > 0 ? policies : throw new UsageException("--policies needs at least one policy, e.g. --policies jiq,rr");
    }
}
