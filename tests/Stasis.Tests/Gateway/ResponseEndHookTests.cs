using Microsoft.AspNetCore.Http;
using Stasis.Server.Gateway;

namespace Stasis.Tests.Gateway;

/// <summary>The End line goes out before the last byte of a response whose length is known, never earlier.</summary>
public sealed class ResponseEndHookTests
{
    [Fact]
    public async Task KnownLength_HookRunsBeforeTheWriteThatCompletesIt()
    {
        var (hook, sink, events) = Hooked(contentLength: 10);

        await hook.WriteAsync(new byte[6]);
        Assert.Equal(["write 6"], events);

        await hook.WriteAsync(new byte[4]);

        Assert.Equal(["write 6", "end", "write 4"], events);
        Assert.True(hook.Fired);
        Assert.Equal(10, sink.Length);
    }

    [Fact]
    public async Task EmptyBodyWithLength_HookRunsBeforeTheFlush()
    {
        var (hook, _, events) = Hooked(contentLength: 0);

        await hook.FlushAsync();

        Assert.Equal(["end", "flush"], events);
    }

    [Fact]
    public async Task UnknownLength_NeverRuns_TheHandlerWritesTheLineBeforeTheResponseEnds()
    {
        var (hook, _, events) = Hooked(contentLength: null);

        await hook.WriteAsync(new byte[100]);
        await hook.FlushAsync();

        Assert.DoesNotContain("end", events);
        Assert.False(hook.Fired);
    }

    [Fact]
    public async Task RunsOnce()
    {
        var (hook, _, events) = Hooked(contentLength: 1);

        await hook.WriteAsync(new byte[1]);
        await hook.FlushAsync();

        Assert.Single(events, "end");
    }

    private static (ResponseEndHook Hook, MemoryStream Sink, List<string> Events) Hooked(long? contentLength)
    {
        var context = new DefaultHttpContext();
        context.Response.ContentLength = contentLength;
        var events = new List<string>();
        var sink = new RecordingStream(events);
        return (new ResponseEndHook(sink, context.Response, () => events.Add("end")), sink, events);
    }

    private sealed class RecordingStream(List<string> events) : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            events.Add($"write {buffer.Length}");
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            events.Add("flush");
            return base.FlushAsync(cancellationToken);
        }
    }
}
