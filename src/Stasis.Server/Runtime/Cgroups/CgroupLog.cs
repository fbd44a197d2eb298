using Microsoft.Extensions.Logging;

namespace Stasis.Server.Runtime.Cgroups;

internal static partial class CgroupLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "No cgroup hierarchy is mounted; instances run without resource limits")]
    public static partial void NoCgroups(ILogger logger);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Could not create cgroup {Path} ({Error}); continuing without it")]
    public static partial void CreateFailed(ILogger logger, string path, string? error);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Could not write the {Kind} limit of cgroup {Path} ({Error}); instances run without it")]
    public static partial void LimitFailed(ILogger logger, string kind, string path, string? error);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "cgroup v2 controller {Controller} cannot be delegated below {Path} ({Error}); that limit is unavailable")]
    public static partial void ControllerUnavailable(ILogger logger, string controller, string path, string? error);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Instance process {Pid} is not in cgroup {Path}; it will be stopped without it")]
    public static partial void NotMember(ILogger logger, int pid, string path);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Could not remove cgroup {Path}; it still holds processes")]
    public static partial void RemoveFailed(ILogger logger, string path);
}
