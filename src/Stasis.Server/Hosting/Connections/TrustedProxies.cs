using System.Net;
using Microsoft.Extensions.Primitives;

namespace Stasis.Server.Hosting.Connections;

/// <summary>
/// The load balancers whose <c>X-Forwarded-For</c> the server believes (<c>--trusted-proxy</c>): addresses or CIDR
/// ranges. The client a request comes from is the right-most address of the header that is not itself a trusted proxy,
/// as each proxy appends the address it was reached from.
/// </summary>
internal sealed class TrustedProxies
{
    public static readonly TrustedProxies None = new([]);

    private readonly IPNetwork[] _networks;

    private TrustedProxies(IPNetwork[] networks) => _networks = networks;

    public bool Any => _networks.Length > 0;

    public IReadOnlyList<string> Ranges => _networks.Select(n => n.ToString()).ToArray();

    /// <summary>Parses the setting; throws <see cref="ArgumentException"/> naming the entry that is neither an address nor a range.</summary>
    public static TrustedProxies Parse(IEnumerable<string> entries)
    {
        var networks = new List<IPNetwork>();
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            var host = entry.Split('/')[0];
            // IPAddress takes "10.0.0" for 10.0.0.0, as inet_aton does; a proxy's address is written in full.
            var written = host.Contains(':', StringComparison.Ordinal) || host.Count(c => c == '.') == 3;
            if (written && IPAddress.TryParse(entry, out var address) && !entry.Contains('/', StringComparison.Ordinal))
            {
                address = Normal(address);
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (written && IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else
            {
                throw new ArgumentException($"--trusted-proxy '{raw}' is neither an IP address nor a CIDR range (for example 10.0.0.5 or 10.0.0.0/8).");
            }
        }

        return networks.Count == 0 ? None : new TrustedProxies([.. networks]);
    }

    public bool Contains(IPAddress address)
    {
        if (_networks.Length == 0)
        {
            return false;
        }

        address = Normal(address);
        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The client behind a trusted proxy at <paramref name="proxy"/>: the right-most entry of <c>X-Forwarded-For</c>
    /// that is not a trusted proxy; the proxy itself when the header is missing or an entry is not an address.
    /// </summary>
    public IPAddress Client(IPAddress proxy, StringValues forwardedFor)
    {
        var client = proxy;
        for (var v = forwardedFor.Count - 1; v >= 0; v--)
        {
            var value = forwardedFor[v].AsSpan();
            while (value.Length > 0)
            {
                var comma = value.LastIndexOf(',');
                var entry = value[(comma + 1)..].Trim();
                value = comma < 0 ? [] : value[..comma];
                if (!IPAddress.TryParse(entry, out var address))
                {
                    return client;
                }

                address = Normal(address);
                if (!Contains(address))
                {
                    return address;
                }

                client = address;
            }
        }

        return client;
    }

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
