using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Stasis.Client.Specs;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Logs;

/// <summary>
/// Each function's log file (<c>DATA/logs/NAME/function.log</c>): invocation lines and its instances'
/// output. Every line is written through (<see cref="AppendOnlyFile"/>: one <c>write(2)</c>, no buffer)
/// before <see cref="Write"/> returns, so the gateway's <c>FC Invoke End</c> line is in the file before
/// the client has the last byte of its response, and a server killed with <c>kill -9</c> loses no line.
/// Followers (<c>logs -f</c>) get lines as they come.
/// </summary>
/// <remarks>
/// A line that cannot be written (disk full, directory gone) is dropped and counted
/// (<see cref="DroppedLines"/>, in <c>GET /api/v1/status</c>); the server logs the first drop and the
/// recovery, never once per line, and nothing else is held up.
/// </remarks>
internal sealed class FunctionLogBook : IFunctionLog, IAsyncDisposable
{
    private readonly string _root;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<string>, byte>> _followers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RotatingLogFile> _files = new(StringComparer.Ordinal);
    private readonly long _quotaBytes;

    /// <summary>What one function's log may hold on disk, unless the server is given another quota.</summary>
    public const long DefaultQuotaBytes = 64L << 20;
    private readonly Lock _opening = new();
    private long _dropped;
    private int _failing;
    private volatile bool _disposed;
    private static readonly SearchValues<char> SegmentCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <param name="quotaBytes">What one function's log may hold: <c>function.log</c> is started anew as it
    /// passes half of it, and the half before is kept as <c>function.log.1</c>.</param>
    public FunctionLogBook(string dataDirectory, TimeProvider time, ILogger? logger = null, long quotaBytes = DefaultQuotaBytes)
    {
        _quotaBytes = quotaBytes;
        _root = Path.GetFullPath(Path.Combine(dataDirectory, "logs"));
        _time = time;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        Directory.CreateDirectory(_root);
    }

    /// <summary>Lines that could not be written since the server started.</summary>
    public long DroppedLines => Interlocked.Read(ref _dropped);

    public void Write(string functionName, string line)
    {
        var stamped = $"{_time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {line}";
        Append(functionName, stamped);
        if (_followers.TryGetValue(functionName, out var followers))
        {
            foreach (var follower in followers.Keys)
            {
                follower.Writer.TryWrite(stamped);
            }
        }
    }

    /// <summary>
    /// Where an instance's output is: its function's log, where each line is written once, as
    /// <c>[INSTANCE] text</c>, under the function's quota.
    /// </summary>
    public string InstanceLogPath(string functionName, string instanceId)
    {
        // An instance id is the function's name and a random suffix: one path segment of the same characters.
        if (instanceId.Length is 0 or > 128 || instanceId.AsSpan().IndexOfAnyExcept(SegmentCharacters) >= 0)
        {
            throw new ArgumentException($"'{instanceId}' is not an instance id", nameof(instanceId));
        }

        return FunctionLogPath(functionName);
    }

    public string FunctionLogPath(string functionName) => Path.Combine(FunctionDirectory(functionName), "function.log");

    /// <summary>The last <paramref name="count"/> lines written so far.</summary>
    public async Task<IReadOnlyList<string>> TailAsync(string functionName, int count, CancellationToken cancellationToken)
    {
        var path = FunctionLogPath(functionName);
        if (!File.Exists(path) || count <= 0)
        {
            return [];
        }

        var lines = await TailOfAsync(path, count, cancellationToken).ConfigureAwait(false);
        var previous = RotatingLogFile.PreviousPath(path);
        if (lines.Count < count && File.Exists(previous))
        {
            // Just started anew: the rest of the tail is at the end of the file before.
            var earlier = await TailOfAsync(previous, count - lines.Count, cancellationToken).ConfigureAwait(false);
            return [.. earlier, .. lines];
        }

        return lines;
    }

    private static async Task<IReadOnlyList<string>> TailOfAsync(string path, int count, CancellationToken cancellationToken)
    {
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
        if (!FunctionSpecValidator.IsValidFunctionName(functionName))
        {
            return;
        }

        lock (_opening)
        {
            if (_files.TryRemove(functionName, out var file))
            {
                file.Dispose(); // a write still in flight keeps the descriptor until it returns
            }

            TryDelete(FunctionDirectory(functionName));
        }
    }

    private void Append(string function, string line)
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            FileOf(function).AppendLine(line);
            if (Volatile.Read(ref _failing) == 1 && Interlocked.Exchange(ref _failing, 0) == 1)
            {
                _logger.LogInformation("logs: function logs are written again; {Count} line(s) were dropped while they could not be", DroppedLines);
            }
        }
        catch (ObjectDisposedException)
        {
            // The function was removed (or the server stopped) while the line was on its way.
        }
        catch (ArgumentException)
        {
            // A name that is no function's (FunctionDirectory refuses it): the line is lost.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full or vanished disk must not take the gateway down: the line is dropped and counted.
            Interlocked.Increment(ref _dropped);
            if (Interlocked.Exchange(ref _failing, 1) == 0 && !_disposed)
            {
                _logger.LogWarning("logs: cannot write {Path} ({Error}); lines are dropped and counted (logLinesDropped in `stasis status`) until it can",
                    FunctionLogPath(function), e.Message);
            }
        }
    }

    private RotatingLogFile FileOf(string function)
    {
        if (_files.TryGetValue(function, out var file))
        {
            return file;
        }

        lock (_opening)
        {
            if (!_files.TryGetValue(function, out file))
            {
                file = RotatingLogFile.Open(FunctionLogPath(function), _quotaBytes / 2);
                _files[function] = file;
            }

            return file;
        }
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

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        lock (_opening)
        {
            foreach (var file in _files.Values)
            {
                file.Dispose();
            }

            _files.Clear();
        }

        return ValueTask.CompletedTask;
    }
}
