using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stasis.Server.Runtime.Cgroups;

/// <summary>
/// The cgroup layout detected once at startup, and the <c>stasis/&lt;scope&gt;</c> parent groups created
/// below the server's own groups. The scope keeps servers with different data directories on one host
/// apart, so one never mistakes another's instances for its own orphans. Anything that cannot be
/// created or written is logged once and left out; the runtime then works without it and
/// <see cref="Describe"/> says so.
/// </summary>
public sealed class CgroupHost
{
    internal const string ParentName = "stasis";

    /// <summary>The scope of a runtime that was given none.</summary>
    public const string DefaultScope = "default";
    private readonly ILogger _logger;
    private int _warnedCreate;
    private int _warnedCpu;
    private int _warnedMemory;

    private CgroupHost(ILogger logger, CgroupMode mode, string scope, string? unifiedBase, string? cpuBase, string? memoryBase,
        string? freezerBase, bool v2Cpu, bool v2Memory, string? problem)
    {
        _logger = logger;
        Mode = mode;
        Scope = scope;
        UnifiedBase = unifiedBase;
        V1CpuBase = cpuBase;
        V1MemoryBase = memoryBase;
        V1FreezerBase = freezerBase;
        V2Cpu = v2Cpu;
        V2Memory = v2Memory;
        Problem = problem;
        CanFreeze = unifiedBase is not null && File.Exists(Path.Combine(unifiedBase, "cgroup.freeze"));
        CanKill = unifiedBase is not null && File.Exists(Path.Combine(unifiedBase, "cgroup.kill"));
    }

    /// <summary>A host with no cgroups in use.</summary>
    public static CgroupHost Disabled { get; } =
        new(NullLogger.Instance, CgroupMode.None, DefaultScope, null, null, null, null, false, false, "disabled");

    public CgroupMode Mode { get; }

    /// <summary>The level between <c>stasis</c> and the instance groups.</summary>
    public string Scope { get; }

    /// <summary>The <c>stasis/&lt;scope&gt;</c> parent group in the v2 hierarchy, or null.</summary>
    public string? UnifiedBase { get; }

    /// <summary>The <c>stasis/&lt;scope&gt;</c> parent group in the v1 cpu hierarchy, or null.</summary>
    public string? V1CpuBase { get; }

    /// <summary>The <c>stasis/&lt;scope&gt;</c> parent group in the v1 memory hierarchy, or null.</summary>
    public string? V1MemoryBase { get; }

    /// <summary>The <c>stasis/&lt;scope&gt;</c> parent group in the v1 freezer hierarchy (has <c>freezer.state</c>), or null.</summary>
    public string? V1FreezerBase { get; }

    /// <summary>Every parent group of this scope, in each hierarchy where there is one.</summary>
    internal IReadOnlyList<string> ScopeDirectories =>
        new[] { UnifiedBase, V1CpuBase, V1MemoryBase, V1FreezerBase }.OfType<string>().Distinct(StringComparer.Ordinal).ToArray();

    internal bool V2Cpu { get; }

    internal bool V2Memory { get; }

    internal string? Problem { get; }

    public bool CanLimitCpu => V1CpuBase is not null || V2Cpu;

    public bool CanLimitMemory => V1MemoryBase is not null || V2Memory;

    /// <summary>Instance groups have <c>cgroup.freeze</c>.</summary>
    public bool CanFreeze { get; }

    /// <summary>Instance groups have <c>cgroup.kill</c> (Linux 5.14+).</summary>
    public bool CanKill { get; }

    /// <summary>The file an instance's CPU limit goes to (<c>cpu.cfs_quota_us</c> or <c>cpu.max</c>), or null.</summary>
    public string? CpuLimitFile => V1CpuBase is not null ? "cpu.cfs_quota_us" : V2Cpu ? "cpu.max" : null;

    /// <summary>The file an instance's memory limit goes to (<c>memory.limit_in_bytes</c> or <c>memory.max</c>), or null.</summary>
    public string? MemoryLimitFile => V1MemoryBase is not null ? "memory.limit_in_bytes" : V2Memory ? "memory.max" : null;

    public static CgroupHost Detect(ILogger? logger = null, string scope = DefaultScope) =>
        Detect(CgroupMounts.Read(), logger ?? NullLogger.Instance, scope);

    internal static CgroupHost Detect(CgroupMounts mounts, ILogger logger, string scope = DefaultScope)
    {
        var hasV1 = mounts.V1Directories.Keys.Any(k => !k.StartsWith("name=", StringComparison.Ordinal));
        var hasV2 = mounts.UnifiedDirectory is not null;
        var mode = (hasV1, hasV2) switch
        {
            (true, true) => CgroupMode.Hybrid,
            (true, false) => CgroupMode.V1,
            (false, true) => CgroupMode.V2,
            _ => CgroupMode.None,
        };
        if (mode == CgroupMode.None)
        {
            CgroupLog.NoCgroups(logger);
            return new CgroupHost(logger, mode, scope, null, null, null, null, false, false, "no cgroup hierarchy mounted");
        }

        var cpuBase = PrepareV1(mounts, "cpu", "cpu.cfs_quota_us", scope, logger);
        var memoryBase = PrepareV1(mounts, "memory", "memory.limit_in_bytes", scope, logger);
        var freezerBase = PrepareV1(mounts, "freezer", "freezer.state", scope, logger);
        string? unifiedBase = null;
        bool v2Cpu = false, v2Memory = false;
        if (mounts.UnifiedDirectory is { } own)
        {
            unifiedBase = PrepareParent(own, scope, logger);
            if (unifiedBase is not null)
            {
                // Controllers bound to a v1 hierarchy never show up in v2's cgroup.controllers, so on a
                // hybrid host these stay false and the v1 groups carry the limits.
                v2Cpu = cpuBase is null && EnableV2Controller(own, unifiedBase, "cpu", logger);
                v2Memory = memoryBase is null && EnableV2Controller(own, unifiedBase, "memory", logger);
            }
        }

        return new CgroupHost(logger, mode, scope, unifiedBase, cpuBase, memoryBase, freezerBase, v2Cpu, v2Memory, null);
    }

    /// <summary>
    /// Creates the groups of one instance and writes its limits; never throws. A v1 freezer group only
    /// where the runtime freezes with it: on other hosts it would be one more directory per start for nothing.
    /// </summary>
    internal InstanceCgroups CreateInstance(string instanceId, double? cpuLimit, long? memoryLimitBytes, bool v1Freezer = false)
    {
        var name = SafeName(instanceId);
        var unified = CreateChild(UnifiedBase, name);
        var cpu = V1CpuBase is not null ? CreateChild(V1CpuBase, name) : V2Cpu ? unified : null;
        var memory = V1MemoryBase is not null ? CreateChild(V1MemoryBase, name) : V2Memory ? unified : null;
        var freezer = v1Freezer ? CreateChild(V1FreezerBase, name) : null;

        if (cpuLimit is { } cores && cpu is not null && !CgroupLimits.TryWriteCpu(cpu, V1CpuBase is not null, cores, out var cpuError)
            && Interlocked.Exchange(ref _warnedCpu, 1) == 0)
        {
            CgroupLog.LimitFailed(_logger, "CPU", cpu, cpuError);
        }

        if (memoryLimitBytes is { } bytes && memory is not null
            && !CgroupLimits.TryWriteMemory(memory, V1MemoryBase is not null, bytes, out var memoryError)
            && Interlocked.Exchange(ref _warnedMemory, 1) == 0)
        {
            CgroupLog.LimitFailed(_logger, "memory", memory, memoryError);
        }

        return new InstanceCgroups(unified, cpu, memory, freezer, CanKill && unified is not null);
    }

    public IReadOnlyDictionary<string, string> Describe()
    {
        var v1 = new List<string>();
        if (V1CpuBase is not null)
        {
            v1.Add("cpu");
        }

        if (V1MemoryBase is not null)
        {
            v1.Add("memory");
        }

        if (V1FreezerBase is not null)
        {
            v1.Add("freezer");
        }

        // The server's own v2 group, two levels above stasis/<scope>.
        var v2 = UnifiedBase is null ? "none" : Path.GetDirectoryName(Path.GetDirectoryName(UnifiedBase))!;
        var v2Controllers = string.Join(", ", new[] { V2Cpu ? "cpu" : null, V2Memory ? "memory" : null }.OfType<string>());
        var cgroups = Mode switch
        {
            CgroupMode.None => $"none ({Problem})",
            CgroupMode.V2 => $"v2 ({v2}; controllers: {(v2Controllers.Length == 0 ? "none" : v2Controllers)})",
            _ => $"{Mode.ToString().ToLowerInvariant()} (v1: {(v1.Count == 0 ? "none" : string.Join(", ", v1))}; v2: {v2})",
        };
        return new Dictionary<string, string>
        {
            ["cgroups"] = cgroups,
            ["cpuLimit"] = V1CpuBase is not null ? "cfs (cpu.cfs_quota_us)" : V2Cpu ? "cpu.max" : "unavailable",
            ["memoryLimit"] = MemoryLimitFile ?? "unavailable",
            ["kill"] = CanKill ? "cgroup.kill" : HasAnyGroup ? "signal each pid in cgroup.procs" : "process group",
        };
    }

    private bool HasAnyGroup => UnifiedBase is not null || V1CpuBase is not null || V1MemoryBase is not null || V1FreezerBase is not null;

    private string? CreateChild(string? parent, string name)
    {
        if (parent is null)
        {
            return null;
        }

        var path = Path.Combine(parent, name);
        if (CgroupFiles.TryCreateDirectory(path, out var error))
        {
            return path;
        }

        if (Interlocked.Exchange(ref _warnedCreate, 1) == 0)
        {
            CgroupLog.CreateFailed(_logger, path, error);
        }

        return null;
    }

    private static string? PrepareV1(CgroupMounts mounts, string controller, string probeFile, string scope, ILogger logger)
    {
        if (!mounts.V1Directories.TryGetValue(controller, out var own))
        {
            return null;
        }

        var parent = PrepareParent(own, scope, logger);
        return parent is not null && File.Exists(Path.Combine(parent, probeFile)) ? parent : null;
    }

    private static string? PrepareParent(string own, string scope, ILogger logger)
    {
        var parent = Path.Combine(own, ParentName, scope);
        if (CgroupFiles.TryCreateDirectory(parent, out var error))
        {
            return parent;
        }

        CgroupLog.CreateFailed(logger, parent, error);
        return null;
    }

    private static bool EnableV2Controller(string own, string parent, string controller, ILogger logger)
    {
        var available = CgroupFiles.TryRead(Path.Combine(own, "cgroup.controllers"))?.Split(' ', '\n') ?? [];
        if (!available.Contains(controller))
        {
            return false;
        }

        // Every level above the instances must delegate the controller. Our own group refuses (EBUSY) when
        // it holds processes and is not the root: the "no internal processes" rule. Then instances simply go unlimited.
        foreach (var level in new[] { own, Path.GetDirectoryName(parent)!, parent })
        {
            if (!CgroupFiles.TryWrite(Path.Combine(level, "cgroup.subtree_control"), "+" + controller, out var error))
            {
                CgroupLog.ControllerUnavailable(logger, controller, level, error);
                return false;
            }
        }

        return true;
    }

    /// <summary>Instance ids become directory names: keep them to a safe alphabet.</summary>
    internal static string SafeName(string instanceId)
    {
        var chars = instanceId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        var name = new string(chars).TrimStart('.');
        return name.Length == 0 ? "_" : name;
    }
}
