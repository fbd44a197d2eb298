using System.Collections.Concurrent;
using Stasis.Server.Metering;

namespace Stasis.Tests.TestKit;

/// <summary>Records what the dispatcher tells the meter, in order.</summary>
internal sealed class RecordingMeter : IInstanceMeter
{
    public ConcurrentQueue<string> Events { get; } = new();

    public void Started(MeteredInstance instance, DateTimeOffset at) => Events.Enqueue($"{instance.InstanceId} started {instance.Kind}");

    public void Changed(string instanceId, MeterState state, DateTimeOffset at) => Events.Enqueue($"{instanceId} {state}");

    public void Ended(string instanceId, DateTimeOffset at) => Events.Enqueue($"{instanceId} ended");

    public IReadOnlyList<string> For(string instanceId) => Events.Where(e => e.StartsWith(instanceId + " ", StringComparison.Ordinal)).Select(e => e[(instanceId.Length + 1)..]).ToList();
}
