using Stasis.Server.Instances;
using Stasis.Server.Metering;

namespace Stasis.Server.Scheduling;

/// <summary>
/// Which on-demand instances have been idle too long: ready, without a request or a session, and unused for the
/// idle timeout. Provisioned instances are never reaped (the target keeps them); an instance holding sessions is
/// kept for them (their state, a prompt cache say, lives in it). Pure: the dispatcher drains what it names.
/// </summary>
internal static class IdleReaper
{
    public static List<Instance> Due(IEnumerable<Instance> instances, DateTimeOffset now, TimeSpan idleTimeout) =>
        instances.Where(i => i.Kind == InstanceKind.OnDemand && i.State == InstanceState.Ready && i.InFlight == 0 && i.Sessions == 0
                && (i.LastUsedAt ?? i.ReadyAt) is { } since && now - since >= idleTimeout)
            .ToList();
}
