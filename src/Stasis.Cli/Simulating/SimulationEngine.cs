using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>What runs a simulation: the server's core in virtual time, or a stand-in that a test hands the CLI.</summary>
internal interface ISimulationEngine
{
    SimulationResult Run(SimulationSettings settings, CancellationToken cancellationToken);
}

/// <summary><see cref="Simulator.Run"/>: the production dispatcher, autoscaler, metrics and meter driven by a virtual clock.</summary>
internal sealed class ServerSimulationEngine : ISimulationEngine
{
    public static readonly ServerSimulationEngine Instance = new();

    public SimulationResult Run(SimulationSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return Simulator.Run(settings, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"the simulation refused its settings: {e.Message}", ExitCodes.Failure, e);
        }
    }
}
