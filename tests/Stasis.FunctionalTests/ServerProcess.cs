using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Stasis.FunctionalTests;

/// <summary>
/// <c>stasis server</c> as a process of its own on a data directory: a test can kill it with SIGKILL (nothing
/// is stopped or flushed) and start another on the same directory. Disposal stops it gracefully (SIGTERM)
/// and deletes the directory.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public ServerProcess(string? dataDirectory = null) =>
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "stasis-proc-" + Guid.NewGuid().ToString("N")[..8]);

    public string DataDirectory { get; }

    /// <summary>A command the server runs under, e.g. <c>prlimit --nofile=256:1024 --</c>; empty: none.</summary>
    public IReadOnlyList<string> Wrapper { get; init; } = [];

    /// <summary>The store file of <see cref="DataDirectory"/>.</summary>
    public string StoreFile => Path.Combine(DataDirectory, "stasis.db");

    /// <summary>What the current process wrote to stdout and stderr, line by line.</summary>
    public IReadOnlyCollection<string> Output => _output;

    public Process Process => _process ?? throw new InvalidOperationException("not started");

    /// <summary>Starts <c>stasis server</c> on a free port and waits until it answers; returns a client for it.</summary>
    public async Task<HttpClient> StartAsync(params string[] args)
    {
        var port = FreePort();
        Launch(["--listen", $"127.0.0.1:{port}", .. args]);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(60) };
        await ServerFixture.Until(async () =>
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {_process.ExitCode}: {string.Join('\n', _output)}");
            }

            try
            {
                return (await http.GetAsync("api/v1/status")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the server answers", seconds: 60);
        return http;
    }

    /// <summary>Starts <c>stasis server --data DIR ARGS</c> without waiting for anything.</summary>
    public Process Launch(params string[] args)
    {
        _output.Clear();
        string[] command = [.. Wrapper, "dotnet", Path.Combine(AppContext.BaseDirectory, "stasis.dll"), "server", "--data", DataDirectory, .. args];
        var psi = new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The server's settings are its arguments only: tests in this process set STASIS_* variables of their own.
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("STASIS_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(name);
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        return _process;
    }

    /// <summary>SIGTERM: a graceful stop; waits for the process to exit.</summary>
    public async Task StopAsync()
    {
        Gateway.GatewayTests.Signal(_process!.Id, 15);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>SIGKILL: the server stops at once, its instances keep running, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        _process!.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            // SIGTERM: a graceful stop that stops every instance the server started.
            Gateway.GatewayTests.Signal(_process.Id, 15);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    /// <summary>A port nothing listens on now.</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
