namespace Stasis.Server.Scheduling.Placement;

/// <summary>
/// Chooses the instance a request goes to. Called under the dispatcher's lock with the instances
/// that can serve; never called with an empty span.
/// </summary>
internal interface IPlacementPolicy
{
    /// <summary>The name a function gives in <c>schedulingPolicy</c>.</summary>
    string Name { get; }

    /// <summary>
    /// False for join-the-idle-queue: a request waits in the function's one queue and the first slot
    /// that frees takes it. True for the others: a request is bound to the chosen instance at arrival
    /// and waits for that instance's slot, as behind a classic load balancer.
    /// </summary>
    bool BindsOnArrival { get; }

    /// <summary>
    /// Index of the candidate that takes the request, or -1 to wait in the function's queue (only a
    /// policy that does not bind on arrival answers -1).
    /// </summary>
    int Choose(ReadOnlySpan<PlacementCandidate> candidates);
}
