using Microsoft.Extensions.Logging;

namespace Stasis.Server.Scheduling;

internal sealed partial class FunctionDispatcher
{
    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Information, "{Function}: starting instance {Instance}: {Command}")]
        public static partial void Starting(ILogger logger, string function, string instance, string command);

        [LoggerMessage(101, LogLevel.Information, "{Function}: instance {Instance} ready in {Milliseconds:0} ms")]
        public static partial void Ready(ILogger logger, string function, string instance, double milliseconds);

        [LoggerMessage(102, LogLevel.Warning, "{Function}: instance {Instance} failed to start: {Error}")]
        public static partial void StartFailed(ILogger logger, string function, string instance, string error);

        [LoggerMessage(103, LogLevel.Warning, "{Function}: instance {Instance} {Reason}")]
        public static partial void Crashed(ILogger logger, string function, string instance, string reason);

        [LoggerMessage(104, LogLevel.Information, "{Function}: instance {Instance} stopped")]
        public static partial void Stopped(ILogger logger, string function, string instance);

        [LoggerMessage(105, LogLevel.Information, "{Function}: instance {Instance} idle for {IdleTimeout}, stopping")]
        public static partial void IdleStop(ILogger logger, string function, string instance, TimeSpan idleTimeout);

        [LoggerMessage(107, LogLevel.Warning, "{Function}: instance {Instance} could not be frozen: {Error}; it stays warm")]
        public static partial void FreezeFailed(ILogger logger, string function, string instance, string error);

        [LoggerMessage(106, LogLevel.Warning, "{Function}: instance {Instance} still had {InFlight} requests at the drain deadline; stopping it")]
        public static partial void ForcedStop(ILogger logger, string function, string instance, int inFlight);
    }
}
