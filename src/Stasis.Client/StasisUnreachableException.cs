namespace Stasis.Client;

/// <summary>
/// No server answered at the endpoint (connection refused, unknown host, reset before any answer).
/// Kept apart from <see cref="StasisApiException"/> because the fix is on the caller's side: start a server or point elsewhere.
/// </summary>
public sealed class StasisUnreachableException : Exception
{
    public StasisUnreachableException(Uri endpoint, Exception inner)
        : base($"cannot reach the Stasis server at {endpoint.ToString().TrimEnd('/')}: start it with `./stasis server` or `./stasis up`, or set --endpoint / STASIS_ENDPOINT", inner)
    {
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }
}
