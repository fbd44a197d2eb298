using System.Net.Sockets;
using System.Text;

namespace Stasis.FunctionalTests.Fuzzing;

/// <summary>An answer as it came off the socket: status, headers (names lower-case), body.</summary>
public sealed record RawAnswer(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A minimal HTTP/1.1 client over a socket, one request per connection: it sends exactly what it is given
/// (any method token, any request-target, any body bytes, any content type), which HttpClient would check or
/// normalise first. A connection that closes before a whole answer arrived throws
/// <see cref="DroppedConnectionException"/>; one that answers nothing in time throws <see cref="TimeoutException"/>.
/// </summary>
public static class RawHttp
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Sends one request. The body of a 2xx or 3xx answer is not read (a log follower's never ends); any other
    /// answer is read whole, by Content-Length, chunks, or to the end of the connection.
    /// </summary>
    public static async Task<RawAnswer> SendAsync(Uri server, string method, string target, byte[]? body, string? contentType)
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(server.Host, server.Port, cts.Token);
            var stream = client.GetStream();
            var head = new StringBuilder()
                .Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(server.Authority).Append("\r\n")
                .Append("Connection: close\r\n");
            if (contentType is not null)
            {
                head.Append("Content-Type: ").Append(contentType).Append("\r\n");
            }

            if (body is not null)
            {
                head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
            }

            await stream.WriteAsync(Encoding.Latin1.GetBytes(head.Append("\r\n").ToString()), cts.Token);
            // The server may answer (413, say) and close before it read the whole body: read while writing.
            var answer = ReadAnswerAsync(stream, method, cts.Token);
            if (body is { Length: > 0 })
            {
                try
                {
                    await stream.WriteAsync(body, cts.Token);
                }
                catch (IOException)
                {
                    // Fine if it answered before taking all of the body; a dropped connection shows in the answer.
                    await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(5), cts.Token));
                }
            }

            return await answer;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {Short(target)}: no whole answer within {Timeout.TotalSeconds} s");
        }
        catch (IOException e)
        {
            throw new DroppedConnectionException($"{method} {Short(target)}: the connection broke before a whole answer arrived ({e.Message})", e);
        }
        catch (SocketException e)
        {
            throw new DroppedConnectionException($"{method} {Short(target)}: the connection failed ({e.Message})", e);
        }
    }

    private static async Task<RawAnswer> ReadAnswerAsync(NetworkStream stream, string method, CancellationToken ct)
    {
        var reader = new AnswerReader(stream);
        var statusLine = await reader.LineAsync(ct) ?? throw new DroppedConnectionException("the connection closed before any answer");
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
        {
            throw new DroppedConnectionException($"not an HTTP status line: {statusLine}");
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.LineAsync(ct) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
            }
        }

        if (status < 400 || method == "HEAD")
        {
            return new RawAnswer(status, headers, []);
        }

        byte[] body;
        if (headers.TryGetValue("content-length", out var length))
        {
            body = await reader.BytesAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), ct);
        }
        else if (headers.TryGetValue("transfer-encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var all = new List<byte>();
            while (true)
            {
                var size = Convert.ToInt32((await reader.LineAsync(ct) ?? throw new DroppedConnectionException("the connection closed inside a chunked body")).Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    break;
                }

                all.AddRange(await reader.BytesAsync(size, ct));
                await reader.LineAsync(ct);
            }

            body = [.. all];
        }
        else
        {
            body = await reader.RestAsync(ct);
        }

        return new RawAnswer(status, headers, body);
    }

    private static string Short(string text) => text.Length > 120 ? text[..117] + "..." : text;

    /// <summary>Reads lines and counted bytes from a stream, keeping what it read past them.</summary>
    private sealed class AnswerReader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> LineAsync(CancellationToken ct)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    return line.Count == 0 ? null : throw new DroppedConnectionException("the connection closed inside a line of the answer");
                }

                var b = _buffer[_start++];
                if (b == '\n')
                {
                    return Encoding.Latin1.GetString([.. line]).TrimEnd('\r');
                }

                line.Add(b);
            }
        }

        public async Task<byte[]> BytesAsync(int count, CancellationToken ct)
        {
            var result = new byte[count];
            var written = 0;
            while (written < count)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    throw new DroppedConnectionException($"the connection closed after {written} of the {count} bytes of the answer's body");
                }

                var take = Math.Min(count - written, _end - _start);
                Array.Copy(_buffer, _start, result, written, take);
                _start += take;
                written += take;
            }

            return result;
        }

        public async Task<byte[]> RestAsync(CancellationToken ct)
        {
            var all = new List<byte>();
            do
            {
                all.AddRange(_buffer[_start.._end]);
                _start = _end;
            }
            while (await FillAsync(ct));

            return [.. all];
        }

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, ct);
            return _end > 0;
        }
    }
}

/// <summary>The server closed or reset the connection before a whole answer came back.</summary>
public sealed class DroppedConnectionException(string message, Exception? inner = null) : Exception(message, inner);
