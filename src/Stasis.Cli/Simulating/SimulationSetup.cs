using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>Everything a <c>simulate</c> decided before running: the traffic, the functions, the settings every run shares, and the runs.</summary>
/// <param name="Settings">The settings of every run but its mode and placement policy.</param>
/// <param name="Preset">The <c>--preset</c> that set the cold start, or null when <c>--cold-start</c> did.</param>
/// <param name="PresetIsDefault">Whether <paramref name="Preset"/> applies because none was named.</param>
/// <param name="ThawIsDefault">Whether the thaw is the default (a CPU freezer's) rather than <c>--thaw</c>.</param>
/// <param name="PricesSource">"FC's defaults", or the config file.</param>
/// <param name="ProvisionSource">The provision file, "s.yaml", or null when there is none.</param>
internal sealed record SimulationSetup(
    Traffic Traffic,
    FunctionPlan Functions,
    SimulationSettings Settings,
    IReadOnlyList<RunSpec> Runs,
    WorkloadPreset? Preset,
    string PricesSource,
    string? ProvisionSource,
    bool PresetIsDefault = false,
    bool ThawIsDefault = false);

/// <summary>One run's figures, and its cost over the always-allocated run's (with the same placement), when there is one.</summary>
internal sealed record RunOutcome(RunSpec Spec, SimulationResult Result, decimal? CostRatio);

/// <summary>Runs each <see cref="RunSpec"/> of a setup, one after the other (each holds its own latencies), through an engine.</summary>
internal static class SimulationRunner
{
    public static IReadOnlyList<RunOutcome> Run(ISimulationEngine engine, SimulationSetup setup, Action<RunSpec>? starting, CancellationToken cancellationToken)
    {
        var results = new List<(RunSpec Spec, SimulationResult Result)>();
        foreach (var run in setup.Runs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            starting?.Invoke(run);
            results.Add((run, engine.Run(SettingsOf(setup.Settings, run), cancellationToken)));
        }

        return WithRatios(results);
    }

    /// <summary>The shared settings in the run's mode, every function under the run's placement policy when it names one.</summary>
    public static SimulationSettings SettingsOf(SimulationSettings shared, RunSpec run) => shared with
    {
        Mode = run.Mode,
        Functions = run.Policy is { } policy
            ? shared.Functions.Select(f => f with { Spec = f.Spec with { SchedulingPolicy = policy } }).ToList()
            : shared.Functions,
    };

    /// <summary>Each run's cost over the always-allocated run with the same policy (else the first always-allocated run); null without one, or when its cost is 0.</summary>
    public static IReadOnlyList<RunOutcome> WithRatios(IReadOnlyList<(RunSpec Spec, SimulationResult Result)> results) =>
        results.Select(r =>
        {
            var always = results.Where(b => b.Spec.Mode == SimulationMode.AlwaysAllocated).ToList();
            var baseline = always.FirstOrDefault(b => b.Spec.Policy == r.Spec.Policy) is { Result: not null } same ? same : always.FirstOrDefault();
            decimal? ratio = baseline.Result is { Cost: > 0 } b ? r.Result.Cost / b.Cost : null;
            return new RunOutcome(r.Spec, r.Result, ratio);
        }).ToList();
}
