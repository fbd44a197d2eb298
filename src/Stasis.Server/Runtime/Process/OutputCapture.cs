using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Stasis.Server.Logs;
using Stasis.Server.Storage;

namespace Stasis.Server.Runtime.Process;

/// <summary>
/// Copies an instance's stdout and stderr, line by line, to <see cref="InstanceLaunch.OnOutputLine"/>
/// and, where the launch asks for it, to its log file (<c>2025-01-31T12:00:00.000Z stdout text</c>,
/// started anew past <see cref="MaxFileBytes"/>), and keeps the last lines for error messages. Lines
/// are written through (<see cref="AppendOnlyFile"/>); a line the disk has no room for is dropped,
/// logged once per instance, and never stops the instance.
/// </summary>
/// <remarks>
/// An instance may write <see cref="BytesPerSecond"/> of output, in bursts of up to
/// <see cref="BurstBytes"/>; beyond that its lines are still read (so it never blocks on a full pipe)
/// but dropped and counted, and once it is back within the rate one line says how many went:
/// <c>stasis: 12345 lines of output dropped: over 1 MB/s</c>.
/// </remarks>
internal sealed class OutputCapture : IAsyncDisposable
{
    private const int RecentLines = 50;

    // A program that writes without newlines must not grow a line without bound.
    private const int MaxLineChars = 16 * 1024;

    public const long BytesPerSecond = 1L << 20;
    public const long BurstBytes = 8L << 20;
    public const long MaxFileBytes = 16L << 20;

    private readonly RotatingLogFile? _log;
    private double _tokens = BurstBytes;
    private long _refilledAt;
    private long _droppedSinceNotice;
    private readonly Action<string>? _onLine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _instanceId;
    private readonly Queue<string> _recent = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _pumps = Task.CompletedTask;
    private int _callbackFailed;
    private int _writeFailed;

    private OutputCapture(RotatingLogFile? log, InstanceLaunch launch, TimeProvider time, ILogger logger)
    {
        _refilledAt = time.GetTimestamp();
        _log = log;
        _onLine = launch.OnOutputLine;
        _time = time;
        _logger = logger;
        _instanceId = launch.InstanceId;
    }

    /// <summary>
    /// Opens (appends to) the launch's log file, creating its directory. A full disk does not stop the
    /// instance: it runs without its own file (its lines still reach the function's log, if that has room).
    /// </summary>
    public static OutputCapture Open(InstanceLaunch launch, TimeProvider time, ILogger logger)
    {
        try
        {
            return new OutputCapture(launch.WriteLogFile ? RotatingLogFile.Open(Path.GetFullPath(launch.LogPath), MaxFileBytes) : null, launch, time, logger);
        }
        catch (IOException e) when (StoreFaults.IsDiskFull(e))
        {
            ProcessRuntimeLog.LogWriteFailed(logger, launch.InstanceId, e.Message);
            return new OutputCapture(null, launch, time, logger) { _writeFailed = 1 };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InstanceStartException($"Cannot write the log file '{launch.LogPath}' of function '{launch.FunctionName}': {e.Message}", null, e);
        }
    }

    public void Start(Stream stdout, Stream stderr) =>
        _pumps = Task.WhenAll(Task.Run(() => PumpAsync(stdout, "stdout")), Task.Run(() => PumpAsync(stderr, "stderr")));

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public string Excerpt(int count)
    {
        lock (_recent)
        {
            return string.Join('\n', _recent.Skip(Math.Max(0, _recent.Count - count)));
        }
    }

    /// <summary>
    /// Waits for both streams to end, which they do once every process holding them has exited; after
    /// <paramref name="bound"/> (something escaped and keeps a pipe open) it stops reading.
    /// </summary>
    public async Task DrainAsync(TimeSpan bound)
    {
        await Task.WhenAny(_pumps, Task.Delay(bound, _time)).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _pumps.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await DrainAsync(TimeSpan.Zero).ConfigureAwait(false);
        _log?.Dispose(); // nothing is buffered: nothing to flush, nothing to fail
        _stop.Dispose();
    }

    private async Task PumpAsync(Stream stream, string source)
    {
        var buffer = new char[4096];
        var line = new StringBuilder();
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer, _stop.Token).ConfigureAwait(false)) > 0)
            {
                var chunk = buffer.AsSpan(0, read);
                int newline;
                while ((newline = chunk.IndexOf('\n')) >= 0)
                {
                    Emit(source, line.Append(chunk[..newline]));
                    chunk = chunk[(newline + 1)..];
                }

                line.Append(chunk);
                if (line.Length >= MaxLineChars)
                {
                    Emit(source, line);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Stopped reading: the instance is gone, or something it left behind holds the pipe.
        }

        if (line.Length > 0)
        {
            Emit(source, line);
        }
    }

    private void Emit(string source, StringBuilder builder)
    {
        // Both pumps emit; the bucket and the counts are theirs under the lock.
        lock (_recent)
        {
            if (!Admit(builder.Length + 1))
            {
                builder.Clear();
                _droppedSinceNotice++;
                return;
            }

            if (_droppedSinceNotice > 0)
            {
                var notice = $"stasis: {_droppedSinceNotice} lines of output dropped: over {BytesPerSecond >> 20} MB/s";
                _droppedSinceNotice = 0;
                Write("stasis", notice);
            }
        }

        var text = builder.ToString().TrimEnd('\r');
        builder.Clear();
        Write(source, text);
    }

    // A token bucket of bytes, refilled at the rate on the runtime's clock.
    private bool Admit(int bytes)
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(BurstBytes, _tokens + (_time.GetElapsedTime(_refilledAt, now).TotalSeconds * BytesPerSecond));
        _refilledAt = now;
        if (_tokens < bytes)
        {
            return false;
        }

        _tokens -= bytes;
        return true;
    }

    private void Write(string source, string text)
    {
        var stamp = _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        lock (_recent)
        {
            _recent.Enqueue(text);
            if (_recent.Count > RecentLines)
            {
                _recent.Dequeue();
            }

            try
            {
                _log?.AppendLine($"{stamp} {source} {text}");
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                if (Interlocked.Exchange(ref _writeFailed, 1) == 0)
                {
                    ProcessRuntimeLog.LogWriteFailed(_logger, _instanceId, e.Message);
                }
            }
        }

        try
        {
            _onLine?.Invoke(text);
        }
        catch (Exception e)
        {
            if (Interlocked.Exchange(ref _callbackFailed, 1) == 0)
            {
                ProcessRuntimeLog.OutputCallbackFailed(_logger, _instanceId, e);
            }
        }
    }
}
