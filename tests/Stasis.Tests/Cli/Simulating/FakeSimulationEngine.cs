using Stasis.Cli.Simulating;
using Stasis.Server.Simulation;

namespace Stasis.Tests.Cli.Simulating;

/// <summary>
/// A stand-in for the simulation engine, for the command line's own tests: it reads the requests as the engine would
/// (once, in order), keeps the settings it was given, and answers figures that depend only on the mode and the traffic,
/// so that the views can be checked exactly.
/// </summary>
internal sealed class FakeSimulationEngine : ISimulationEngine
{
    private readonly object _gate = new();

    public List<SimulationSettings> Runs { get; } = [];

    public List<SimulatedRequest[]> Requests { get; } = [];

    public SimulationResult Run(SimulationSettings settings, CancellationToken cancellationToken)
    {
        var requests = settings.Requests().ToArray();
        lock (_gate)
        {
            Runs.Add(settings);
            Requests.Add(requests);
        }

        var span = requests.Length == 0 ? TimeSpan.Zero : requests[^1].At;
        var steps = (int)(span.Ticks / settings.TimelineStep.Ticks) + 1;
        var arrivals = new long[steps];
        foreach (var r in requests)
        {
            arrivals[(int)(r.At.Ticks / settings.TimelineStep.Ticks)]++;
        }

        var cost = settings.Mode switch
        {
            SimulationMode.AlwaysAllocated => 4m,
            SimulationMode.IdleMode => 1m,
            _ => 0.5m,
        };
        var timeline = Enumerable.Range(0, steps)
            .Select(i => new SimulationPoint(settings.TimelineStep * i, arrivals[i], arrivals[i] == 0 ? null : 100 + i, i % 2, 1, (int)Math.Min(arrivals[i], 3),
                settings.Mode == SimulationMode.IdleMode ? 2 : 0, settings.Mode == SimulationMode.OnDemand ? 0 : 3, settings.Mode == SimulationMode.OnDemand ? 0 : 2 + (i % 2)))
            .ToList();
        return new SimulationResult
        {
            Mode = settings.Mode,
            Requests = requests.Length,
            Served = requests.Length - 1,
            Refused = 1,
            LatencyP50Ms = 120.25,
            LatencyP90Ms = 480.4,
            LatencyP99Ms = 3012.7,
            QueueWaitP50Ms = 0,
            QueueWaitP90Ms = 2.346,
            QueueWaitP99Ms = 41.06,
            ColdStarts = settings.Mode == SimulationMode.OnDemand ? 7 : 0,
            Thaws = settings.Mode == SimulationMode.IdleMode ? 12 : 0,
            InstancesStarted = 3,
            IdleSeconds = 1560,
            ActiveSeconds = 3.76,
            Cu = cost * 50_000m,
            Cost = cost,
            Span = span,
            Elapsed = TimeSpan.FromMilliseconds(250),
            Timeline = timeline,
        };
    }
}
