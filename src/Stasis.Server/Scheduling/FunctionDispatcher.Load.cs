using Stasis.Server.Instances;
using Stasis.Server.Metering;

namespace Stasis.Server.Scheduling;

/// <summary>The dispatcher's load as the metrics sampler reads it.</summary>
internal sealed partial class FunctionDispatcher
{
    /// <summary>
    /// One consistent snapshot of the function's load: every live instance with its kind, state, in-flight
    /// requests and slots; the requests waiting; the provision target and how many provisioned instances are
    /// ready; and the CPU and GPU memory the current spec asks for. Taken under the lock, so it costs what
    /// <see cref="Status"/> costs; the sampler calls it once a second per function.
    /// </summary>
    public LoadSample LoadSample()
    {
        lock (_gate)
        {
            var instances = new List<InstanceLoad>(_instances.Count);
            foreach (var i in _instances)
            {
                instances.Add(new InstanceLoad(i.Id, i.Kind, i.State, i.InFlight, i.Slots, i.Handle));
            }

            var provision = ProvisionState();
            var spec = _record.Spec;
            return new LoadSample(Name, instances, Waiting(), provision.Target, provision.Current,
                spec.Cpu, spec.GpuConfig?.GpuMemorySize ?? spec.GpuMemorySize);
        }
    }
}

/// <summary>
/// A function's load at one instant (<see cref="FunctionDispatcher.LoadSample"/>). <paramref name="CpuLimit"/> is the
/// spec's <c>cpu</c> (null when unset); <paramref name="GpuMemoryMb"/> its GPU memory (null for a CPU-only function).
/// </summary>
internal sealed record LoadSample(
    string FunctionName,
    IReadOnlyList<InstanceLoad> Instances,
    int Waiting,
    int ProvisionedTarget,
    int ProvisionedCurrent,
    double? CpuLimit,
    int? GpuMemoryMb);

/// <summary>One instance in a <see cref="LoadSample"/>; <paramref name="Handle"/> is null until its process has started.</summary>
internal sealed record InstanceLoad(
    string InstanceId,
    InstanceKind Kind,
    InstanceState State,
    int InFlight,
    int Slots,
    Runtime.IRuntimeInstance? Handle);
