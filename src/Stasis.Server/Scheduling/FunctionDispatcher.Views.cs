using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.Server.Clock;
using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Runtime;
using Stasis.Server.Scheduling.Placement;

namespace Stasis.Server.Scheduling;

/// <summary>What the API and the console read of the function: its instances, its scheduling, its counts and errors.</summary>
internal sealed partial class FunctionDispatcher
{
    public IReadOnlyList<InstanceInfo> Snapshot(bool includeEnded)
    {
        lock (_gate)
        {
            var live = _instances.Select(i => i.ToInfo(_ctx.Time));
            return (includeEnded ? live.Concat(_ended.Select(i => i.ToInfo(_ctx.Time))) : live).ToList();
        }
    }

    /// <summary>
    /// Why queued requests are waiting longer than a start would take: the server's instance limit refused one for them.
    /// Null when nothing was refused; the gateway adds it to a 504.
    /// </summary>
    public string? StartRefusal()
    {
        lock (_gate)
        {
            return _startRefused;
        }
    }

    /// <summary>The placement policy in effect and how long recent requests waited for a slot.</summary>
    public (string Policy, QueueWaitSummary? Waits) Scheduling()
    {
        lock (_gate)
        {
            return (_policy.Name, _waits.Summary());
        }
    }

    public (InstanceCounts Counts, string? RolloutError, string? LastError, int Queued) Status()
    {
        lock (_gate)
        {
            var version = _record.Version;
            return (new InstanceCounts
            {
                Starting = _instances.Count(i => i.State.IsStarting()),
                Ready = _instances.Count(i => i.State == InstanceState.Ready),
                Busy = _instances.Count(i => i.State.IsBusy()),
                Frozen = _instances.Count(i => i.State == InstanceState.Frozen),
                Draining = _instances.Count(i => i.State == InstanceState.Draining),
                Failed = _ended.Count(i => i.State == InstanceState.Failed),
                Outdated = _instances.Count(i => i.Version < version && i.State != InstanceState.Draining),
            }, _rolloutError, _lastError, Waiting());
        }
    }
}
