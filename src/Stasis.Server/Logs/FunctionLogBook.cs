using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Stasis.Client.Specs;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Logs;

/// <summary>
/// Each function's log file (<c>DATA/logs/NAME/function.log</c>): invocation lines and its
/// instances' output. Writers never block on disk: lines go through a channel to one writer task,
/// which flushes whenever the channel runs dry. Followers (<c>logs -f</c>) get lines as they come.
/// </summary>
internal sealed class FunctionLogBook : IFunctionLog, IAsyncDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);
    private readonly string _root;
    private readonly TimeProvider _time;
    private readonly Channel<(string Function, string Line)> _pending =
        Channel.CreateUnbounded<(string, string)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<string>, byte>> _followers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StreamWriter> _writers = new(StringComparer.Ordinal);
    private readonly Task _writer;
    private static readonly SearchValues<char> SegmentCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    public FunctionLogBook(string dataDirectory, TimeProvider time)
    {
        _root = Path.GetFullPath(Path.Combine(dataDirectory, "logs"));
        _time = time;
        Directory.CreateDirectory(_root);
        _writer = Task.Run(WriteLoopAsync);
    }

    public void Write(string functionName, string line)
    {
        var stamped = $"{_time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {line}";
        _pending.Writer.TryWrite((functionName, stamped));
        if (_followers.TryGetValue(functionName, out var followers))
        {
            foreach (var follower in followers.Keys)
            {
                follower.Writer.TryWrite(stamped);
            }
        }
    }

    public string InstanceLogPath(string functionName, string instanceId)
    {
        // An instance id is the function's name and a random suffix: one path segment of the same characters.
        if (instanceId.Length is 0 or > 128 || instanceId.AsSpan().IndexOfAnyExcept(SegmentCharacters) >= 0)
        {
            throw new ArgumentException($"'{instanceId}' is not an instance id", nameof(instanceId));
        }

        return Path.Combine(FunctionDirectory(functionName), "instances", instanceId + ".log");
    }

    public string FunctionLogPath(string functionName) => Path.Combine(FunctionDirectory(functionName), "function.log");

    /// <summary>The last <paramref name="count"/> lines written so far.</summary>
    public async Task<IReadOnlyList<string>> TailAsync(string functionName, int count, CancellationToken cancellationToken)
    {
        await FlushAsync().ConfigureAwait(false);
        var path = FunctionLogPath(functionName);
        if (!File.Exists(path) || count <= 0)
        {
            return [];
        }

        // Read at most the last 4 MB: enough for any sensible tail, bounded for huge logs.
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var start = Math.Max(0, stream.Length - (4L << 20));
        stream.Seek(start, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var skip = start > 0 ? 1 : 0; // the first line may be cut
        return lines.Skip(skip).TakeLast(count).ToList();
    }

    /// <summary>New lines of a function's log until <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<string> FollowAsync(string functionName, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
        var set = _followers.GetOrAdd(functionName, _ => new());
        set[channel] = 0;
        try
        {
            await foreach (var line in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return line;
            }
        }
        finally
        {
            set.TryRemove(channel, out _);
        }
    }

    /// <summary>Deletes a removed function's logs.</summary>
    public void Forget(string functionName)
    {
        if (FunctionSpecValidator.IsValidFunctionName(functionName))
        {
            _pending.Writer.TryWrite((functionName, "\0forget"));
        }
    }

    public async Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _flushes.Enqueue(done);
        _pending.Writer.TryWrite(("", "\0flush"));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    private readonly ConcurrentQueue<TaskCompletionSource> _flushes = new();

    private async Task WriteLoopAsync()
    {
        // Flush at most every FlushInterval under load (one write per batch, not per request), and at
        // once when a follower or tail asks; lines reach followers in memory without waiting for disk.
        var reader = _pending.Reader;
        var dirty = false;
        var lastFlush = _time.GetTimestamp();
        while (true)
        {
            if (dirty && _time.GetElapsedTime(lastFlush) >= FlushInterval)
            {
                FlushAll();
                dirty = false;
                lastFlush = _time.GetTimestamp();
            }

            if (dirty)
            {
                var more = reader.WaitToReadAsync().AsTask();
                if (await Task.WhenAny(more, Task.Delay(FlushInterval, _time)).ConfigureAwait(false) != more)
                {
                    FlushAll();
                    dirty = false;
                    lastFlush = _time.GetTimestamp();
                }

                if (!await more.ConfigureAwait(false))
                {
                    break;
                }
            }
            else if (!await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                break;
            }

            while (reader.TryRead(out var item))
            {
                if (item.Line == "\0flush")
                {
                    FlushAll();
                    dirty = false;
                    while (_flushes.TryDequeue(out var waiter))
                    {
                        waiter.TrySetResult();
                    }

                    continue;
                }

                if (item.Line == "\0forget")
                {
                    if (_writers.Remove(item.Function, out var w))
                    {
                        await w.DisposeAsync().ConfigureAwait(false);
                    }

                    TryDelete(FunctionDirectory(item.Function));
                    continue;
                }

                try
                {
                    WriterFor(item.Function).WriteLine(item.Line);
                    dirty = true;
                }
                catch (Exception e) when (e is IOException or ArgumentException)
                {
                    // A full or vanished disk must not take the gateway down, nor a name that is no function's
                    // (FunctionDirectory refuses it); the line is lost.
                }
            }
        }

        foreach (var w in _writers.Values)
        {
            await w.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void FlushAll()
    {
        foreach (var w in _writers.Values)
        {
            try
            {
                w.Flush();
            }
            catch (IOException)
            {
            }
        }
    }

    private StreamWriter WriterFor(string function)
    {
        if (!_writers.TryGetValue(function, out var writer))
        {
            var path = FunctionLogPath(function);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete), new UTF8Encoding(false));
            _writers[function] = writer;
        }

        return writer;
    }

    /// <summary>
    /// <c>DATA/logs/NAME</c>. Every name a request brings is checked before it gets here; this refuses any other too,
    /// so no name can make the log book read, write or delete outside its directory.
    /// </summary>
    private string FunctionDirectory(string functionName) => FunctionSpecValidator.IsValidFunctionName(functionName)
        ? Path.Combine(_root, functionName)
        : throw new ArgumentException($"'{functionName}' is not a function name", nameof(functionName));

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }
}
