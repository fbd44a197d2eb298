namespace Stasis.Server.Images;

/// <summary>An image operation was refused or failed; <see cref="Code"/> and the message are what the API answers with.</summary>
public sealed class ImageException(int status, string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}
