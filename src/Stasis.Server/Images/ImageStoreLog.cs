using Microsoft.Extensions.Logging;

namespace Stasis.Server.Images;

internal static partial class ImageStoreLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "image {Digest} ({References}) added: {What}")]
    public static partial void Added(ILogger logger, string digest, string references, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "image {Digest} unpacked for uids from {UidStart} in {Milliseconds:0} ms")]
    public static partial void Unpacked(ILogger logger, string digest, long uidStart, double milliseconds);
}
