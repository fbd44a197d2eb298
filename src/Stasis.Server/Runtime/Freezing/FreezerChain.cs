using Microsoft.Extensions.Logging;
using Stasis.Server.Runtime.Cgroups;

namespace Stasis.Server.Runtime.Freezing;

/// <summary>
/// Picks the host's freezer once: the cgroup v2 freezer where instance groups have <c>cgroup.freeze</c>,
/// else the v1 freezer hierarchy, else SIGSTOP. An instance whose process did not make it into the
/// chosen group falls back to SIGSTOP on its own.
/// </summary>
internal static class FreezerChain
{
    public static IFreezer Choose(CgroupHost cgroups, FreezerKind? forced, ILogger logger)
    {
        var signals = new SignalFreezer();
        var kind = forced ?? (cgroups.CanFreeze ? FreezerKind.CgroupV2 : cgroups.V1FreezerBase is not null ? FreezerKind.CgroupV1 : FreezerKind.Sigstop);
        (IFreezer freezer, string detail) = kind switch
        {
            FreezerKind.CgroupV2 when cgroups.CanFreeze =>
                (new CgroupV2Freezer(signals, logger), $"cgroup.freeze of each instance group below {cgroups.UnifiedBase}"),
            FreezerKind.CgroupV1 when cgroups.V1FreezerBase is not null =>
                (new CgroupV1Freezer(signals, logger), $"freezer.state of each instance group below {cgroups.V1FreezerBase}"),
            FreezerKind.Sigstop => ((IFreezer)signals, "no cgroup freezer: SIGSTOP and SIGCONT to each instance's processes"),
            _ => throw new InvalidOperationException($"The {kind.Name()} freezer is not available on this host."),
        };
        FreezerLog.Chosen(logger, kind.Name(), detail);
        return freezer;
    }
}
