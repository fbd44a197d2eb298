using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Stasis.Server.Hosting.Connections;

/// <summary>
/// Kestrel's first step for each accepted connection: takes the connection's place at the <see cref="ConnectionGate"/>
/// or refuses it at once with a <c>503 TooManyConnections</c> written straight to the socket and the connection closed,
/// before any request is parsed, authenticated or routed.
/// </summary>
internal sealed class ConnectionGateMiddleware(ConnectionDelegate next, ConnectionGate gate)
{
    // The two answers, written once: a flood of refused connections allocates nothing for them.
    private readonly byte[] _serverFull = Refusal(ServerFull(gate.MaxConnections));
    private readonly byte[] _addressFull = Refusal(AddressFull(gate.MaxPerAddress));

    // A refused connection waits this long at most for the client's request before it is closed, and only so many wait
    // at once: a close with the request unread would send a reset that can lose the answer, but a flood of refused
    // connections must not hold file descriptors.
    private const int MostLingering = 64;
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(500);
    private static int _lingering;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var remote = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        var admission = gate.TryEnter(remote);
        if (admission is Admission.RefusedServer or Admission.RefusedAddress)
        {
            await RefuseAsync(connection, admission == Admission.RefusedServer ? _serverFull : _addressFull).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            gate.Leave(remote, admission);
        }
    }

    private static string ServerFull(int max) =>
        $"the server has its most connections open ({max}, limits.maxConnections); try again shortly, or raise the limit with --max-connections";

    private static string AddressFull(int max) =>
        $"this client address has its most connections open ({max}, limits.maxConnectionsPerAddress); reuse or close idle connections, or raise the limit with --max-connections-per-address";

    /// <summary>A whole HTTP/1.1 answer: 503 with the JSON error, and the connection closed after it.</summary>
    private static byte[] Refusal(string message)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"code":"TooManyConnections","message":"{{message}}"}""");
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n");
        return [.. head, .. body];
    }

    private static async Task RefuseAsync(ConnectionContext connection, byte[] refusal)
    {
        try
        {
            var output = connection.Transport.Output;
            output.Write(refusal);
            using var flush = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await output.FlushAsync(flush.Token).ConfigureAwait(false);
            try
            {
                if (Interlocked.Increment(ref _lingering) <= MostLingering)
                {
                    await DrainRequestHeadAsync(connection).ConfigureAwait(false);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _lingering);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException or InvalidOperationException)
        {
            // The client went, or would not read: the connection is closed all the same.
        }
    }

    /// <summary>Reads what the client sends until its request's headers have ended, it closes, or <see cref="Linger"/> passes.</summary>
    private static async Task DrainRequestHeadAsync(ConnectionContext connection)
    {
        using var linger = new CancellationTokenSource(Linger);
        var input = connection.Transport.Input;
        while (true)
        {
            var read = await input.ReadAsync(linger.Token).ConfigureAwait(false);
            var ended = read.IsCompleted || read.Buffer.Length > 64 * 1024 || ContainsHeadEnd(read.Buffer);
            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            if (ended)
            {
                return;
            }
        }
    }

    private static bool ContainsHeadEnd(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: false);
    }
}
