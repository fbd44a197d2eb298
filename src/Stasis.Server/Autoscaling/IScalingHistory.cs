using Stasis.Client.Model;

namespace Stasis.Server.Autoscaling;

/// <summary>The autoscaler's decisions as kept, a port of the core (the journal that writes them is <see cref="IScalingJournal"/>).</summary>
internal interface IScalingHistory
{
    /// <summary>The function's latest decisions, newest first.</summary>
    IReadOnlyList<ScalingDecisionInfo> History(string functionName, int limit);

    /// <summary>The function is gone: its decisions go too.</summary>
    void Forget(string functionName);
}
