using System.Net;
using Stasis.Client.Model;

namespace Stasis.Client;

/// <summary>A non-2xx answer of the control API, with the server's <see cref="ErrorBody"/>.</summary>
public sealed class StasisApiException : Exception
{
    public StasisApiException(HttpStatusCode statusCode, ErrorBody error)
        : base($"{error.Code}: {error.Message}")
    {
        StatusCode = statusCode;
        Error = error;
    }

    public HttpStatusCode StatusCode { get; }

    public ErrorBody Error { get; }

    public string Code => Error.Code;

    public string? RequestId => Error.RequestId;

    public IReadOnlyList<string> Details => Error.Details ?? (IReadOnlyList<string>)[];
}
