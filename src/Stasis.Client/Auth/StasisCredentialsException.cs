namespace Stasis.Client.Auth;

/// <summary>Credentials were asked for (an environment variable, a profile) but cannot be used; the message says why and what to fix.</summary>
public sealed class StasisCredentialsException(string message) : Exception(message);
