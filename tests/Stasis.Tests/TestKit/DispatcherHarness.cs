using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Hosting;
using Stasis.Server.Instances;
using Stasis.Server.Scheduling;

namespace Stasis.Tests.TestKit;

/// <summary>A dispatcher over the fake runtime, fake time, and in-memory journal and log.</summary>
internal sealed class DispatcherHarness : IInstanceJournal, IFunctionLog
{
    /// <param name="budget">The server-wide instance cap to share with other harnesses; none by default.</param>
    /// <param name="time">A clock to share with other harnesses; a fresh one by default.</param>
    public DispatcherHarness(FunctionSpec? spec = null, TimeSpan? idleTimeout = null, InstanceBudget? budget = null, FakeTimeProvider? time = null)
    {
        Spec = spec ?? Spec;
        Time = time ?? Time;
        Context = new DispatcherContext(Runtime, new InstanceLaunchFactory(new StasisServerOptions()), this, this, Time,
            NullLogger.Instance, idleTimeout ?? TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), "local", Meter, TimeSpan.Zero)
        {
            Random = new Random(1234), // random placement, repeatable
            Ids = new Stasis.Server.Clock.SeededIds(1234),
            // Deterministic: instance work (start, freeze, stop) runs on the caller's thread, as far as it can without waiting.
            Spawn = static work => work(),
            Budget = budget ?? new InstanceBudget(int.MaxValue),
        };
        Dispatcher = new FunctionDispatcher(new FunctionRecord(Spec, 1, Time.GetUtcNow(), Time.GetUtcNow()), Context);
    }

    public DispatcherContext Context { get; }

    public FunctionSpec Spec { get; } = new()
    {
        FunctionName = "fn",
        Code = "/tmp",
        CustomContainerConfig = new CustomContainerConfig { Command = ["serve"] },
        InstanceLifecycleConfig = new InstanceLifecycleConfig { Initializer = new LifecycleHook { Handler = "init", Timeout = 5 } },
    };

    public FakeRuntime Runtime { get; } = new();

    public RecordingMeter Meter { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public FunctionDispatcher Dispatcher { get; }

    public ConcurrentQueue<string> Lines { get; } = new();

    public ConcurrentQueue<InstanceInfo> Journal { get; } = new();

    public void Record(InstanceInfo instance) => Journal.Enqueue(instance);

    public void Write(string functionName, string line) => Lines.Enqueue(line);

    public string InstanceLogPath(string functionName, string instanceId) => $"/nonexistent/{instanceId}.log";

    /// <summary>
    /// Waits until <paramref name="condition"/> holds. Instance work runs inline, so it mostly holds at once; work that
    /// waits for the fake runtime (held starts) gets a bounded number of turns, and no wall clock is read.
    /// </summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        for (var turn = 0; !condition(); turn++)
        {
            if (turn == MaxTurns)
            {
                throw new TimeoutException($"never happened in {MaxTurns} turns: {what}");
            }

            await Task.Yield();
        }
    }

    private const int MaxTurns = 100_000;

    public IReadOnlyList<InstanceInfo> Live => Dispatcher.Snapshot(false);
}
