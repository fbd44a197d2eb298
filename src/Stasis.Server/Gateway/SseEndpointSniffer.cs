using System.Text;

namespace Stasis.Server.Gateway;

/// <summary>
/// Passes an MCP SSE stream through to the client, and reads its first <c>event: endpoint</c> on the way: its data
/// (<c>/messages?sessionId=ID</c>, or <c>session_id=</c> as some SDKs write it) names the session, before the
/// client can see it and post to it. Reads at most the stream's first <see cref="Window"/> bytes; the rest, and
/// everything once the event was found, only passes.
/// </summary>
internal sealed class SseEndpointSniffer(Stream inner, Action<string> onSessionId) : Stream
{
    public const int Window = 16 * 1024;

    private readonly MemoryStream _seen = new();
    private bool _done;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Look(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Look(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    private void Look(ReadOnlySpan<byte> chunk)
    {
        if (_done)
        {
            return;
        }

        _seen.Write(chunk[..Math.Min(chunk.Length, Window - (int)_seen.Length)]);
        if (Find(Encoding.UTF8.GetString(_seen.GetBuffer(), 0, (int)_seen.Length)) is { } id)
        {
            _done = true;
            onSessionId(id);
        }
        else if (_seen.Length >= Window)
        {
            _done = true;
        }
    }

    /// <summary>The session id of the first complete endpoint event in <paramref name="text"/>, or null.</summary>
    public static string? Find(string text)
    {
        var events = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n");
        // The last part may be an event still arriving.
        for (var e = 0; e < events.Length - 1; e++)
        {
            string? type = null;
            var data = new StringBuilder();
            foreach (var line in events[e].Split('\n'))
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = line[6..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(line[5..].TrimStart());
                }
            }

            if (type == "endpoint")
            {
                return SessionIdOf(data.ToString());
            }
        }

        return null;
    }

    private static string? SessionIdOf(string endpoint)
    {
        var query = endpoint.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? endpoint[(q + 1)..] : "";
        foreach (var pair in query.Split('&'))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            if (eq > 0 && key is "sessionId" or "session_id" && Uri.UnescapeDataString(pair[(eq + 1)..]) is { Length: > 0 and <= 256 } id)
            {
                return id;
            }
        }

        return null;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _seen.Dispose();
        }

        base.Dispose(disposing);
    }
}
