namespace Stasis.Server.Scheduling.Placement;

/// <summary>
/// What a placement policy sees of one instance that could take a request: a snapshot, so policies
/// stay pure and are tested on plain values.
/// </summary>
/// <param name="Tier">Preference the dispatcher gives the instance, lower first: the current version
/// before an outdated one; a warm provisioned instance before a frozen one (a thaw costs a little)
/// before an on-demand one.</param>
/// <param name="InFlight">Requests it is serving.</param>
/// <param name="Queued">Requests bound to it and waiting for one of its slots (policies that bind on arrival).</param>
/// <param name="Slots">instanceConcurrency.</param>
/// <param name="IdleSince">When it last took or gave back a request (ticks): among equals, the one idle longest goes first.</param>
internal readonly record struct PlacementCandidate(int Tier, int InFlight, int Queued, int Slots, long IdleSince)
{
    /// <summary>Requests it holds: serving plus waiting for it.</summary>
    public int Outstanding => InFlight + Queued;

    /// <summary>It can start a request now, and nobody bound to it waits before that request.</summary>
    public bool HasFreeSlot => InFlight < Slots && Queued == 0;
}
