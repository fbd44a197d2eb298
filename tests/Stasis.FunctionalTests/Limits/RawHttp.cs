using System.Net.Sockets;
using System.Text;

namespace Stasis.FunctionalTests.Limits;

/// <summary>
/// HTTP/1.1 over a bare socket, for what HttpClient will not send: too many headers, headers that never end,
/// a body that trickles in. Every read is bounded by a deadline, never a fixed delay.
/// </summary>
internal static class RawHttp
{
    /// <summary>
    /// Sends <paramref name="request"/> as is, from <paramref name="from"/> when given (any 127.x address on loopback), and
    /// returns what comes back until the answer is whole, the server closes the connection, or the deadline.
    /// </summary>
    public static async Task<string> SendAsync(Uri server, string request, int seconds = 30, System.Net.IPAddress? from = null)
    {
        using var client = from is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(from, 0));
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        return await ReadToCloseAsync(stream, seconds);
    }

    /// <summary>
    /// Sends the head of a request whose body is <paramref name="contentLength"/> bytes long, then 10 bytes every 200 ms
    /// (50 bytes/s) until the server answers or closes; returns the answer.
    /// </summary>
    public static async Task<string> TrickleBodyAsync(Uri server, string method, string path, int contentLength, int seconds = 30)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n\r\n"));
        var answer = ReadToCloseAsync(stream, seconds);
        var sent = 0;
        while (!answer.IsCompleted && sent + 10 < contentLength)
        {
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(new string(' ', 10)));
                sent += 10;
            }
            catch (IOException)
            {
                break; // the server closed its side; the answer (if any) is already on its way
            }

            await Task.WhenAny(answer, Task.Delay(200));
        }

        return await answer;
    }

    private static async Task<string> ReadToCloseAsync(NetworkStream stream, int seconds)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
            {
                received.Write(buffer, 0, read);
                if (IsComplete(received))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // a reset after the answer, or the deadline: return what came
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    /// <summary>A whole response: its head and a body of its Content-Length, or the last chunk of a chunked one.</summary>
    private static bool IsComplete(MemoryStream received)
    {
        var text = Encoding.UTF8.GetString(received.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var head = text[..end];
        var length = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length is not null)
        {
            return Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
    }

    /// <summary>The status code of a raw response ("HTTP/1.1 431 ..." → 431); 0 when nothing came.</summary>
    public static int Status(string response) =>
        response.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(response.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>The body of a raw response, chunked or not.</summary>
    public static string Body(string response)
    {
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = response[..end];
        var body = response[(end + 4)..];
        if (!head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            return body;
        }

        var decoded = new StringBuilder();
        while (body.Length > 0)
        {
            var line = body.IndexOf("\r\n", StringComparison.Ordinal);
            var size = Convert.ToInt32(body[..line], 16);
            if (size == 0)
            {
                break;
            }

            decoded.Append(body, line + 2, size);
            body = body[(line + 2 + size + 2)..];
        }

        return decoded.ToString();
    }
}
