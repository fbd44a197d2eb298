using Microsoft.Extensions.Logging;

namespace Stasis.Server.Runtime.Process;

internal static partial class ProcessRuntimeLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Process runtime: network isolation {Isolation}; cgroups {Cgroups}")]
    public static partial void Detected(ILogger logger, string isolation, string cgroups);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Instances share the host network: {Isolation}. Each gets a free port in FC_SERVER_PORT and PORT, and can connect to the control API and to every port of this host (docs/limits.md)")]
    public static partial void NoIsolation(ILogger logger, string isolation);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Instance {InstanceId} spawned as pid {Pid}, waiting for port {Port}")]
    public static partial void Spawned(ILogger logger, string instanceId, int pid, int port);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Instance {InstanceId} (pid {Pid}) is listening on port {Port}")]
    public static partial void Ready(ILogger logger, string instanceId, int pid, int port);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Instance {InstanceId} failed to start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string instanceId, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Instance {InstanceId} (pid {Pid}) {Reason}")]
    public static partial void Exited(ILogger logger, string instanceId, int pid, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Instance {InstanceId} did not stop within its grace period; killing what is left")]
    public static partial void Killing(ILogger logger, string instanceId);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Instance {InstanceId}: processes still left after SIGKILL: {Pids}")]
    public static partial void Leftovers(ILogger logger, string instanceId, string pids);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Instance {InstanceId}: cannot write its log file: {Error}")]
    public static partial void LogWriteFailed(ILogger logger, string instanceId, string error);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Instance {InstanceId}: the output callback threw")]
    public static partial void OutputCallbackFailed(ILogger logger, string instanceId, Exception exception);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "No cgroups: instances that a killed server left running cannot be found, nor stopped")]
    public static partial void NoOrphanSearch(ILogger logger);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Stopped instance {InstanceId}, left running by a previous server of scope {Scope}")]
    public static partial void OrphanStopped(ILogger logger, string instanceId, string scope);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Error, Message = "Instances cannot be sandboxed here, so none will start: {Problem}. Fix that, or start the server with --unsafe-no-sandbox (docs/security.md)")]
    public static partial void NoSandbox(ILogger logger, string problem);
}
