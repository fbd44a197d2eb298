using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace Stasis.Server.Runtime.Process;

/// <summary>Creates a socket for one connection to an instance (inside its network namespace where it has one).</summary>
internal delegate Task<Socket> SocketFactory(AddressFamily family, CancellationToken cancellationToken);

/// <summary>
/// The HTTP client side of one instance: a forwarding-friendly <see cref="SocketsHttpHandler"/> (no proxy,
/// redirects, cookies or decompression, as a reverse proxy needs) whose connections are opened through
/// a <see cref="SocketFactory"/>.
/// </summary>
internal static class InstanceHttpHandler
{
    public static SocketsHttpHandler Create(SocketFactory sockets) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        EnableMultipleHttp2Connections = true,
        // Function servers commonly drop idle keep-alive connections after 5-60 s; staying below the
        // usual values keeps reuse of half-closed connections rare.
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(sockets, context.DnsEndPoint, cancellationToken),
    };

    /// <summary>Opens a TCP connection to <paramref name="endPoint"/>; names other than literal addresses mean loopback.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketFactory sockets, DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var address = IPAddress.TryParse(endPoint.Host, out var parsed) ? parsed : IPAddress.Loopback;
        var socket = await sockets(address.AddressFamily, cancellationToken).ConfigureAwait(false);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sockets in the server's own namespace, for hosts without network isolation.</summary>
    public static Task<Socket> HostSocketAsync(AddressFamily family, CancellationToken cancellationToken) =>
        Task.FromResult(new Socket(family, SocketType.Stream, ProtocolType.Tcp));
}
