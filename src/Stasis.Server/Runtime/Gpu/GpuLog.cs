using Microsoft.Extensions.Logging;

namespace Stasis.Server.Runtime.Gpu;

internal static partial class GpuLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "No GPU tools: freezing is CPU-side only")]
    public static partial void NoTools(ILogger logger);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "nvidia-smi is installed but no GPU can be used ({Problem}): freezing is CPU-side only")]
    public static partial void NoDevices(ILogger logger, string problem);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "GPUs: {Gpus}. cuda-checkpoint is not on PATH, so frozen instances keep their GPU memory")]
    public static partial void NoCheckpoint(ILogger logger, string gpus);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "GPUs: {Gpus}")]
    public static partial void Detected(ILogger logger, string gpus);
}
