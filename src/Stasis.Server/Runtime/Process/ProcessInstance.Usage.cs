using Stasis.Server.Runtime.Cgroups;

namespace Stasis.Server.Runtime.Process;

/// <summary>What the instance uses, from its cgroups.</summary>
public sealed partial class ProcessInstance : IInstanceUsage
{
    public InstanceUsage ReadUsage() => CgroupUsage.Read(Cgroups);

    public IReadOnlyCollection<int> ProcessIds()
    {
        var pids = Cgroups.ReadPids();
        if (!Exited.IsCompleted)
        {
            pids.Add(_pid);
        }

        return pids;
    }
}
