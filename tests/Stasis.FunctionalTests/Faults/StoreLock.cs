using System.Diagnostics;

namespace Stasis.FunctionalTests.Faults;

/// <summary>
/// Another process holding the store's write lock: <c>python3</c>'s sqlite3 module in <c>BEGIN EXCLUSIVE</c>,
/// as an operator's <c>sqlite3</c> shell left in a transaction would. <see cref="ReleaseAsync"/> commits and exits.
/// </summary>
public sealed class StoreLock : IAsyncDisposable
{
    private const string Script = """
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
        db.execute("BEGIN EXCLUSIVE")
        print("locked", flush=True)
        sys.stdin.readline()
        db.execute("COMMIT")
        db.close()
        print("released", flush=True)
        """;

    private readonly Process _process;

    private StoreLock(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>Starts the process and returns once it holds the lock.</summary>
    public static async Task<StoreLock> TakeAsync(string storeFile)
    {
        var psi = new ProcessStartInfo("python3", ["-c", Script, storeFile])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(psi)!;
        var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (first != "locked")
        {
            var error = await process.StandardError.ReadToEndAsync();
            throw new InvalidOperationException($"python3 could not lock {storeFile}: {first} {error}");
        }

        return new StoreLock(process);
    }

    /// <summary>Ends the transaction (the lock goes) and waits for the process to exit.</summary>
    public async Task ReleaseAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        await _process.StandardInput.WriteLineAsync();
        await _process.StandardInput.FlushAsync();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
