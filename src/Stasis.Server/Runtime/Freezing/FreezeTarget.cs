using Stasis.Server.Runtime.Cgroups;

namespace Stasis.Server.Runtime.Freezing;

/// <summary>What a freezer needs to know about an instance: its main process, its groups, its clock.</summary>
/// <param name="MainPid">The function's main process; it leads its own process group where <paramref name="OwnProcessGroup"/>.</param>
/// <param name="MainExited">Completes when the main process is gone (until then its pid cannot be reused).</param>
internal sealed record FreezeTarget(string InstanceId, int MainPid, Task MainExited, InstanceCgroups Cgroups, bool OwnProcessGroup, TimeProvider Time);
