namespace Stasis.Server.Runtime.Freezing;

/// <summary>How a host stops an instance's processes, in order of preference.</summary>
internal enum FreezerKind
{
    /// <summary><c>cgroup.freeze</c> in the instance's v2 group.</summary>
    CgroupV2,

    /// <summary><c>freezer.state</c> in the instance's v1 freezer group.</summary>
    CgroupV1,

    /// <summary>SIGSTOP and SIGCONT to the instance's process group (and every pid its cgroups hold).</summary>
    Sigstop,
}

internal static class FreezerKindNames
{
    /// <summary>The name <c>Describe()</c> reports: cgroup-v2, cgroup-v1 or sigstop.</summary>
    public static string Name(this FreezerKind kind) => kind switch
    {
        FreezerKind.CgroupV2 => "cgroup-v2",
        FreezerKind.CgroupV1 => "cgroup-v1",
        _ => "sigstop",
    };
}
