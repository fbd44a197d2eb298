using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Metering;

namespace Stasis.Server.Scheduling;

/// <summary>
/// Provisioned instances: the dispatcher carries out what its <see cref="ProvisionPlan"/> asks (keep <c>target</c>
/// provisioned instances of the current version, rotate them when idle mode switches) on its instances.
/// </summary>
internal sealed partial class FunctionDispatcher
{
    private readonly ProvisionPlan _provision = new();

    /// <summary>
    /// Sets the provision target and idle mode. Switching idle mode rotates the provisioned instances:
    /// replacements start and initialize first, and each one that is ready retires an old one.
    /// </summary>
    public void SetProvision(int target, bool idleMode)
    {
        lock (_gate)
        {
            if (_closedReason is not null)
            {
                return;
            }

            if (_provision.Set(target, idleMode))
            {
                foreach (var instance in _instances.Where(i => i.Kind == InstanceKind.Provisioned && i.State != InstanceState.Draining))
                {
                    instance.Retired = true;
                }
            }

            Launch(Reconcile());
        }
    }

    /// <summary>
    /// The autoscaler's target: changes only the number of provisioned instances wanted (idle mode,
    /// errors and retry back-off stay), so calling it every tick with the same value does nothing.
    /// </summary>
    public void ScaleTo(int target)
    {
        lock (_gate)
        {
            if (_closedReason is null && _provision.ScaleTo(target))
            {
                Launch(Reconcile());
            }
        }
    }

    public ProvisionStatus ProvisionState()
    {
        lock (_gate)
        {
            var provisioned = _instances.Where(i => i.Kind == InstanceKind.Provisioned && i.State != InstanceState.Draining).ToList();
            return new ProvisionStatus(
                _provision.Target,
                provisioned.Count(i => i.State.CanServe() && !i.Retired && i.Version == _record.Version),
                provisioned.Count(i => i.State == InstanceState.Frozen),
                _provision.IdleMode,
                _provision.CurrentError);
        }
    }

    /// <summary>Starts and drains provisioned instances as the plan says; returns the starts to launch. Under the lock.</summary>
    private List<(Instance, FunctionRecord)> Reconcile()
    {
        var kept = _instances
            .Where(i => i.Kind == InstanceKind.Provisioned && !i.Retired && i.State != InstanceState.Draining && i.Version == _record.Version)
            .ToList();
        var retired = _instances.Where(i => i.Kind == InstanceKind.Provisioned && i.Retired && i.State != InstanceState.Draining).ToList();
        var (start, drain) = _provision.Plan(kept, retired, _closedReason is not null, _ctx.Time.GetUtcNow());
        var starts = new List<(Instance, FunctionRecord)>();
        for (var i = 0; i < start; i++)
        {
            if (TryNewInstance(InstanceKind.Provisioned) is not { } instance)
            {
                // current stays below target, with the reason in currentError; every Tick tries again.
                _provision.Refused(start, i, _ctx.Budget.Refusal);
                break;
            }

            starts.Add((instance, _record));
        }

        foreach (var instance in drain)
        {
            BeginDrain(instance);
        }

        return starts;
    }

    /// <summary>A provisioned instance failed to start: report it as currentError and back off before retrying.</summary>
    private void ProvisionFailed(string message) => _provision.Failed(message, _ctx.Time.GetUtcNow());

    /// <summary>A provisioned instance became ready: its earlier failures no longer say why current is short. Under the lock.</summary>
    private void ProvisionSucceeded() => _provision.Succeeded();
}

/// <summary>A function's provisioned instances right now.</summary>
internal sealed record ProvisionStatus(int Target, int Current, int Frozen, bool IdleMode, string? CurrentError);
