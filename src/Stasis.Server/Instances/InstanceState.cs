namespace Stasis.Server.Instances;

/// <summary>
/// Where an instance is in its life: <c>Starting → Initializing → Ready ⇄ Busy</c>, with idle mode <c>Ready ⇄ Frozen</c>, any state
/// <c>→ Draining → Stopped</c>, or <c>→ Failed</c>.
/// </summary>
public enum InstanceState
{
    Starting,
    Initializing,
    Ready,
    Busy,
    /// <summary>Idle mode: every process stopped by the freezer; the next request thaws it.</summary>
    Frozen,
    /// <summary>A request took a slot on it while its processes are frozen: the thaw is under way (billed active, counted busy).</summary>
    Thawing,
    Draining,
    Stopped,
    Failed,
}

internal static class InstanceStateExtensions
{
    public static bool IsLive(this InstanceState s) => s is not (InstanceState.Stopped or InstanceState.Failed);

    public static bool IsStarting(this InstanceState s) => s is InstanceState.Starting or InstanceState.Initializing;

    public static bool CanServe(this InstanceState s) => s is InstanceState.Ready or InstanceState.Busy or InstanceState.Frozen or InstanceState.Thawing;

    /// <summary>Serving requests: busy, or thawing for one.</summary>
    public static bool IsBusy(this InstanceState s) => s is InstanceState.Busy or InstanceState.Thawing;
}
