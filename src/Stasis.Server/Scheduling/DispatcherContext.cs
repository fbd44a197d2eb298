using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.Server.Instances;
using Stasis.Server.Metering;
using Stasis.Server.Runtime;

namespace Stasis.Server.Scheduling;

/// <summary>Where instance records go (the store in the server, a list in tests).</summary>
internal interface IInstanceJournal
{
    void Record(InstanceInfo instance);
}

/// <summary>The function's log: invocation lines and the instances' output, side by side.</summary>
internal interface IFunctionLog
{
    void Write(string functionName, string line);

    string InstanceLogPath(string functionName, string instanceId);
}

/// <summary>What every dispatcher shares: the runtime, time, the journal and the log.</summary>
internal sealed record DispatcherContext(
    IInstanceRuntime Runtime,
    InstanceLaunchFactory Launches,
    IInstanceJournal Journal,
    IFunctionLog Log,
    TimeProvider Time,
    ILogger Logger,
    TimeSpan DefaultIdleTimeout,
    TimeSpan StopGrace,
    string Region,
    IInstanceMeter Meter,
    TimeSpan FreezeGrace)
{
    /// <summary>
    /// The server-wide cap on live instances, shared by every dispatcher of the server; no cap unless the server sets one
    /// (<c>--max-instances-total</c>).
    /// </summary>
    public InstanceBudget Budget { get; init; } = new(int.MaxValue);

    /// <summary>What the random placement policies draw from (seeded in tests and the simulator).</summary>
    public Random Random { get; init; } = Random.Shared;

    /// <summary>
    /// Runs instance work (start, freeze, stop) off the caller: the thread pool in the server; the
    /// simulator's own loop, in virtual time, so that a run is deterministic.
    /// </summary>
    public Func<Func<Task>, Task> Spawn { get; init; } = static work => Task.Run(work);

    /// <summary>
    /// When true, a queued request's continuation runs on the thread that hands it the slot (the
    /// simulator's loop); the server keeps it off the dispatcher's lock (false).
    /// </summary>
    public bool InlineContinuations { get; init; }

    /// <summary>Where instance, hook and session ids come from (random in the server, seeded in the simulator and tests).</summary>
    public Clock.IIdSource Ids { get; init; } = Clock.RandomIds.Instance;

    /// <summary>How many instances may start at once across the server.</summary>
    public StartGate Starts { get; init; } = StartGate.Unlimited;
}
