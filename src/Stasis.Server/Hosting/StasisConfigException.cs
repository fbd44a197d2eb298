namespace Stasis.Server.Hosting;

/// <summary>The server's configuration is wrong (config file or options); the message names the file and the key.</summary>
public sealed class StasisConfigException : Exception
{
    public StasisConfigException()
    {
    }

    public StasisConfigException(string message)
        : base(message)
    {
    }

    public StasisConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
