using Microsoft.Extensions.Logging;

namespace Stasis.Server.Runtime.Freezing;

internal static partial class FreezerLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Freezer: {Freezer} ({Detail})")]
    public static partial void Chosen(ILogger logger, string freezer, string detail);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Instance {InstanceId}: its process is not in its freezer group {Group}; it is frozen with SIGSTOP instead")]
    public static partial void NotInGroup(ILogger logger, string instanceId, string group);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Instance {InstanceId}: freeze failed: {Reason}")]
    public static partial void FreezeFailed(ILogger logger, string instanceId, string reason);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Instance {InstanceId}: cuda-checkpoint cannot read the CUDA state of pid {Pid} ({Reason}); freezing it CPU-side only, its GPU memory stays allocated")]
    public static partial void NoCudaState(ILogger logger, string instanceId, int pid, string reason);
}
