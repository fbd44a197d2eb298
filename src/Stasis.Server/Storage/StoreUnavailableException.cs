namespace Stasis.Server.Storage;

/// <summary>
/// The server cannot start on its store: another process held its write lock for longer than the server
/// waits at start-up, or its disk is full. The message names the file and what to do.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
