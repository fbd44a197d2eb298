using System.Net;
using Microsoft.Extensions.Logging;

namespace Stasis.Server.Hosting.Connections;

/// <summary>
/// The server's caps on client connections (docs/limits.md, "Connections"): so many open at once in all, so many from
/// one client address. A connection past either is refused as soon as it is accepted, before a byte of it is read, so
/// that idle connections, however many, never take the file descriptors the server needs to serve and to run its
/// instances. Connections from a trusted proxy count only in all; the client address the proxy forwards counts for
/// each of its requests in flight instead (<see cref="TryEnterForwarded"/>). Refusals are counted for status and
/// /metrics and logged at most once every 10 seconds.
/// </summary>
internal sealed class ConnectionGate
{
    private static readonly long LogEveryMs = 10_000;

    private readonly Dictionary<ClientAddress, int> _perAddress = new();
    private readonly Dictionary<ClientAddress, int> _forwarded = new();
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private int _open;
    private long _refusedServer;
    private long _refusedAddress;
    private long _loggedServer;
    private long _loggedAddress;
    private long _lastLogMs;

    public ConnectionGate(int maxConnections, int maxPerAddress, TrustedProxies proxies, long openFileLimit, ILogger logger)
    {
        MaxConnections = maxConnections;
        MaxPerAddress = maxPerAddress;
        Proxies = proxies;
        OpenFileLimit = openFileLimit;
        _logger = logger;
        _lastLogMs = Environment.TickCount64 - LogEveryMs;
    }

    public int MaxConnections { get; }

    public int MaxPerAddress { get; }

    public TrustedProxies Proxies { get; }

    /// <summary>The open-file limit the server runs under (raised to the hard limit at start); 0 where unknown.</summary>
    public long OpenFileLimit { get; }

    /// <summary>Client connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections refused because the server held <see cref="MaxConnections"/>.</summary>
    public long RefusedServerLimit => Interlocked.Read(ref _refusedServer);

    /// <summary>Connections (and a trusted proxy's requests) refused because their client address held <see cref="MaxPerAddress"/>.</summary>
    public long RefusedAddressLimit => Interlocked.Read(ref _refusedAddress);

    /// <summary>
    /// The caps a server gets when it is given none: half of what the open-file limit leaves once a reserve for the
    /// server's own files is set aside (each client connection may hold one more to an instance), and a quarter of
    /// that per address.
    /// </summary>
    public static (int Max, int PerAddress) Defaults(long openFileLimit)
    {
        var limit = openFileLimit > 0 ? openFileLimit : 1024;
        var reserve = Math.Clamp(limit / 8, 256, 8192);
        var max = (int)Math.Clamp((limit - reserve) / 2, 16, 10_000_000);
        return (max, PerAddressOf(max));
    }

    /// <summary>The caps in force: those given (<c>limits.maxConnections</c>, <c>limits.maxConnectionsPerAddress</c>), the rest from <see cref="Defaults"/>; never more per address than in all.</summary>
    public static (int Max, int PerAddress) Caps(long openFileLimit, int? max, int? perAddress)
    {
        var resolved = max ?? Defaults(openFileLimit).Max;
        return (resolved, Math.Min(perAddress ?? PerAddressOf(resolved), resolved));
    }

    private static int PerAddressOf(int max) => Math.Max(4, max / 4);

    /// <summary>Takes a place for a connection from <paramref name="remote"/>, or says which cap refuses it.</summary>
    public Admission TryEnter(IPAddress? remote)
    {
        if (Interlocked.Increment(ref _open) > MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            Refused(ref _refusedServer, remote);
            return Admission.RefusedServer;
        }

        if (remote is null)
        {
            return Admission.Admitted;
        }

        if (Proxies.Contains(remote))
        {
            return Admission.Proxy;
        }

        if (!TryTake(_perAddress, ClientAddress.Of(remote)))
        {
            Interlocked.Decrement(ref _open);
            Refused(ref _refusedAddress, remote);
            return Admission.RefusedAddress;
        }

        return Admission.Counted;
    }

    /// <summary>Gives back the place <see cref="TryEnter"/> took.</summary>
    public void Leave(IPAddress? remote, Admission admission)
    {
        if (admission is Admission.RefusedServer or Admission.RefusedAddress)
        {
            return;
        }

        if (admission == Admission.Counted)
        {
            Give(_perAddress, ClientAddress.Of(remote!));
        }

        Interlocked.Decrement(ref _open);
    }

    /// <summary>A place for one request of <paramref name="client"/>, forwarded by a trusted proxy; false past the per-address cap.</summary>
    public bool TryEnterForwarded(IPAddress client)
    {
        if (TryTake(_forwarded, ClientAddress.Of(client)))
        {
            return true;
        }

        Refused(ref _refusedAddress, client);
        return false;
    }

    public void LeaveForwarded(IPAddress client) => Give(_forwarded, ClientAddress.Of(client));

    private bool TryTake(Dictionary<ClientAddress, int> counts, ClientAddress key)
    {
        lock (_gate)
        {
            counts.TryGetValue(key, out var n);
            if (n >= MaxPerAddress)
            {
                return false;
            }

            counts[key] = n + 1;
            return true;
        }
    }

    private void Give(Dictionary<ClientAddress, int> counts, ClientAddress key)
    {
        lock (_gate)
        {
            if (counts.TryGetValue(key, out var n) && n > 1)
            {
                counts[key] = n - 1;
            }
            else
            {
                counts.Remove(key);
            }
        }
    }

    private void Refused(ref long counter, IPAddress? remote)
    {
        Interlocked.Increment(ref counter);
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastLogMs);
        if (now - last < LogEveryMs || Interlocked.CompareExchange(ref _lastLogMs, now, last) != last)
        {
            return;
        }

        var server = RefusedServerLimit;
        var address = RefusedAddressLimit;
        var newServer = server - Interlocked.Exchange(ref _loggedServer, server);
        var newAddress = address - Interlocked.Exchange(ref _loggedAddress, address);
        _logger.LogWarning(
            "Refused {Server} connections over the server's cap of {Max} (limits.maxConnections) and {Address} over the per-address cap of {PerAddress} (limits.maxConnectionsPerAddress) since the last such warning (at most one every 10 s), the latest from {Remote}; {Open} are open",
            newServer, MaxConnections, newAddress, MaxPerAddress, remote?.ToString() ?? "an unknown address", Open);
    }
}

/// <summary>What <see cref="ConnectionGate.TryEnter"/> decided for a connection.</summary>
internal enum Admission
{
    /// <summary>Counted in all only (no client address known).</summary>
    Admitted,

    /// <summary>Counted in all and for its client address.</summary>
    Counted,

    /// <summary>From a trusted proxy: counted in all; its requests count for the address it forwards.</summary>
    Proxy,

    /// <summary>Refused: the server holds its most connections.</summary>
    RefusedServer,

    /// <summary>Refused: its client address holds its most connections.</summary>
    RefusedAddress,
}
