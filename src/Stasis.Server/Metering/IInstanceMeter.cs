namespace Stasis.Server.Metering;

/// <summary>How an instance is billed: FC bills provisioned instances for their whole life (idle or active) and on-demand ones for what they run.</summary>
public enum InstanceKind
{
    OnDemand,
    Provisioned,
}

/// <summary>The two unit prices of SEED.md §3.</summary>
public enum MeterState
{
    Active,
    Idle,
}

/// <summary>What the meter needs to know about an instance to bill it: who it is and what it holds.</summary>
public sealed record MeteredInstance(
    string InstanceId,
    string FunctionName,
    InstanceKind Kind,
    double VCpu,
    double MemoryGb,
    double GpuMemoryGb);

/// <summary>
/// Receives every change of an instance's billing state, in order, from the dispatcher. Calls are
/// cheap and never block (the dispatcher makes them under its lock): the meter keeps the open
/// interval in memory and persists closed intervals and a heartbeat of the open one in the background.
/// </summary>
public interface IInstanceMeter
{
    /// <summary>The instance was spawned: an <see cref="MeterState.Active"/> interval opens (start-up and hooks are active time).</summary>
    void Started(MeteredInstance instance, DateTimeOffset at);

    /// <summary>The instance's billing state changed; a call with the state it already has is ignored.</summary>
    void Changed(string instanceId, MeterState state, DateTimeOffset at);

    /// <summary>The instance is gone: its open interval closes. A second call is ignored.</summary>
    void Ended(string instanceId, DateTimeOffset at);
}
