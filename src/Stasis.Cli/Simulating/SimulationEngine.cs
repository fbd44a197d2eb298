using System.Reflection;
using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>What runs a simulation: the server's core in virtual time, or a stand-in that a test hands the CLI.</summary>
internal interface ISimulationEngine
{
    SimulationResult Run(SimulationSettings settings, CancellationToken cancellationToken);
}

/// <summary>
/// <c>Stasis.Server.Simulation.Simulator.Run</c>: the production dispatcher, autoscaler and meter driven by a virtual clock.
/// Bound by name, once, so that the command line and the engine build apart; a build without the engine says so
/// instead of failing to start.
/// </summary>
internal sealed class ServerSimulationEngine : ISimulationEngine
{
    public const string TypeName = "Stasis.Server.Simulation.Simulator";

    public static readonly ServerSimulationEngine Instance = new();

    private static readonly Lazy<Func<SimulationSettings, CancellationToken, SimulationResult>?> Bound = new(Bind);

    public SimulationResult Run(SimulationSettings settings, CancellationToken cancellationToken)
    {
        var run = Bound.Value ?? throw new CliException($"this build has no simulation engine ({TypeName}.Run)");
        try
        {
            return run(settings, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"the simulation refused its settings: {e.Message}", ExitCodes.Failure, e);
        }
    }

    private static Func<SimulationSettings, CancellationToken, SimulationResult>? Bind()
    {
        var method = typeof(SimulationSettings).Assembly.GetType(TypeName)?.GetMethod(
            "Run", BindingFlags.Public | BindingFlags.Static, [typeof(SimulationSettings), typeof(CancellationToken)]);
        return method is not null && method.ReturnType == typeof(SimulationResult)
            ? method.CreateDelegate<Func<SimulationSettings, CancellationToken, SimulationResult>>()
            : null;
    }
}
