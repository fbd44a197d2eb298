using System.Security.Cryptography;

namespace Stasis.Server.Clock;

/// <summary>
/// Where the core's ids come from: random in the server (instance ids, hook request ids, session ids), a seeded
/// sequence in the simulator and the unit tests, so that a run names the same things the same way each time.
/// </summary>
internal interface IIdSource
{
    /// <summary>A short id, unique within the run (10 hex digits in the server).</summary>
    string Short();

    /// <summary>An id a client cannot guess (128 random bits as 32 hex digits in the server): session ids.</summary>
    string Secret();
}

/// <summary>The server's ids: from the system's cryptographic random source.</summary>
internal sealed class RandomIds : IIdSource
{
    public static readonly RandomIds Instance = new();

    public string Short() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    public string Secret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}

/// <summary>Deterministic ids drawn from a seeded <see cref="Random"/>: the same seed gives the same ids.</summary>
internal sealed class SeededIds(int seed) : IIdSource
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    public string Short() => Draw(5);

    public string Secret() => Draw(16);

    private string Draw(int bytes)
    {
        var buffer = new byte[bytes];
        lock (_gate)
        {
            _random.NextBytes(buffer);
        }

        return Convert.ToHexStringLower(buffer);
    }
}
