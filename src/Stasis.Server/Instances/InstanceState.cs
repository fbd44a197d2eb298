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
    Draining,
    Stopped,
    Failed,
}

internal static class InstanceStateExtensions
{
    public static bool IsLive(this InstanceState s) => s is not (InstanceState.Stopped or InstanceState.Failed);

    public static bool IsStarting(this InstanceState s) => s is InstanceState.Starting or InstanceState.Initializing;

    public static bool CanServe(this InstanceState s) => s is InstanceState.Ready or InstanceState.Busy or InstanceState.Frozen;
}
