namespace Stasis.Server.Security;

/// <summary>Endpoint metadata: a route anyone may call whatever the server's auth settings (the gateway checks its triggers itself; the console's files).</summary>
internal sealed class PublicEndpoint
{
    public static readonly PublicEndpoint Instance = new();
}

/// <summary>Endpoint metadata: a route only an <c>admin</c> key may call when credentials are required (key management).</summary>
internal sealed class AdminOnlyEndpoint
{
    public static readonly AdminOnlyEndpoint Instance = new();
}
