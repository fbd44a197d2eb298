using Stasis.Server.Instances;
using Stasis.Server.Metering;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Metrics;

/// <summary>What one function gathered during one interval, before it closes. Guarded by its recorder's lock.</summary>
internal sealed class IntervalTally(DateTimeOffset start, DateTimeOffset end)
{
    public DateTimeOffset Start { get; } = start;

    /// <summary>Where the interval ends; earlier than planned when it is flushed at shutdown or removal.</summary>
    public DateTimeOffset End { get; set; } = end;

    public long Invocations { get; set; }

    public long Errors { get; set; }

    public Distribution Latency { get; } = new();

    public Distribution QueueWait { get; } = new();

    public int Samples { get; private set; }

    public long InFlightSum { get; private set; }

    public int InFlightMax { get; set; }

    public double ProvisionedUtilizationSum { get; private set; }

    public int ProvisionedSamples { get; private set; }

    /// <summary>The last load sample of the interval (or, if none fell in it, the function's last before).</summary>
    public LoadSample? LastSample { get; set; }

    public Dictionary<string, InstanceTally> Instances { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds one load sample: function and per-instance in-flight, and provisioned utilization.</summary>
    public void Add(LoadSample sample)
    {
        var inFlight = 0;
        int provisionedInFlight = 0, provisionedSlots = 0;
        foreach (var instance in sample.Instances)
        {
            inFlight += instance.InFlight;
            if (instance.Kind == InstanceKind.Provisioned && instance.State.CanServe())
            {
                provisionedInFlight += instance.InFlight;
                provisionedSlots += instance.Slots;
            }

            if (!Instances.TryGetValue(instance.InstanceId, out var tally))
            {
                Instances[instance.InstanceId] = tally = new InstanceTally(instance.Kind, instance.Slots);
            }

            tally.Add(instance);
        }

        Samples++;
        InFlightSum += inFlight;
        InFlightMax = Math.Max(InFlightMax, inFlight);
        if (provisionedSlots > 0)
        {
            ProvisionedUtilizationSum += (double)provisionedInFlight / provisionedSlots;
            ProvisionedSamples++;
        }

        LastSample = sample;
    }
}

/// <summary>One instance's samples in an interval.</summary>
internal sealed class InstanceTally(InstanceKind kind, int slots)
{
    public InstanceKind Kind { get; } = kind;

    public int Slots { get; } = slots;

    public InstanceState State { get; private set; }

    public int Samples { get; private set; }

    public long InFlightSum { get; private set; }

    public int InFlightMax { get; private set; }

    public void Add(InstanceLoad load)
    {
        State = load.State;
        Samples++;
        InFlightSum += load.InFlight;
        InFlightMax = Math.Max(InFlightMax, load.InFlight);
    }
}
