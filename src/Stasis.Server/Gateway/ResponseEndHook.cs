using Microsoft.AspNetCore.Http;

namespace Stasis.Server.Gateway;

/// <summary>
/// The client's response body as the forwarder writes it, with one hook: <c>beforeEnd</c> runs once, just
/// before the write (or flush) that hands the client the last byte of a response whose length is known.
/// The gateway writes the <c>FC Invoke End</c> line there, so a client never holds a complete answer whose
/// line is not in the function's log. A response without a length (chunked, or with no body at all) ends
/// when the gateway's handler returns, after that line is written anyway.
/// </summary>
/// <remarks>
/// Example: Content-Length 10 written as 6 + 4 bytes → the hook runs before the 4-byte write goes out.
/// </remarks>
internal sealed class ResponseEndHook(Stream inner, HttpResponse response, Action beforeEnd) : Stream
{
    private long _written;
    private int _fired;

    /// <summary>Whether the hook ran (the response's last byte went, or was about to go, to the client).</summary>
    public bool Fired => Volatile.Read(ref _fired) == 1;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Counting(buffer.Length);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Counting(count);
        return inner.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Counting(buffer.Length);
        inner.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Counting(count);
        inner.Write(buffer, offset, count);
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        // A flush of a response already at its length (an empty body, say) sends its end too.
        if (Complete)
        {
            Fire();
        }

        return inner.FlushAsync(cancellationToken);
    }

    public override void Flush()
    {
        if (Complete)
        {
            Fire();
        }

        inner.Flush();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private bool Complete => response.ContentLength is { } length && _written >= length;

    private void Counting(int count)
    {
        _written += count;
        if (Complete)
        {
            Fire();
        }
    }

    private void Fire()
    {
        if (Interlocked.Exchange(ref _fired, 1) == 0)
        {
            beforeEnd();
        }
    }
}
