using System.Diagnostics;
using System.Net;

namespace Stasis.FunctionalTests.Hosting;

/// <summary>
/// A server a script starts in the background (<c>stasis server &amp;</c>) inherits SIGINT ignored, as a
/// non-interactive shell leaves it: it puts SIGINT back to its default as it starts, so <c>kill -INT</c> drains and
/// stops it as Ctrl-C does in a terminal (it used to do nothing).
/// </summary>
public sealed class StopSignalTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "stasis-sigint-" + Guid.NewGuid().ToString("N")[..8]);
    private int _pid;

    [Fact]
    public async Task AServerStartedInTheBackgroundByAScript_StopsOnSigint()
    {
        var port = ServerProcess.FreePort();
        var log = _data + ".log";
        var dll = Path.Combine(AppContext.BaseDirectory, "stasis.dll");
        var psi = new ProcessStartInfo("bash", ["-c", $"dotnet '{dll}' server --data '{_data}' --listen 127.0.0.1:{port} > '{log}' 2>&1 & echo $!"])
        {
            RedirectStandardOutput = true,
        };
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("STASIS_", StringComparison.Ordinal) || k == "MALLOC_ARENA_MAX").ToList())
        {
            psi.Environment.Remove(name);
        }

        using (var script = Process.Start(psi)!)
        {
            _pid = int.Parse((await script.StandardOutput.ReadToEndAsync()).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await script.WaitForExitAsync();
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await ServerFixture.Until(async () =>
        {
            try
            {
                return (await http.GetAsync("api/v1/status")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the server answers", seconds: 60);
        Assert.False(SigIntIgnored(_pid), "the server still ignores SIGINT");

        Gateway.GatewayTests.Signal(_pid, 2);

        await ServerFixture.Until(() => Task.FromResult(!Directory.Exists($"/proc/{_pid}") || File.ReadAllText($"/proc/{_pid}/stat").Contains(") Z ", StringComparison.Ordinal)), "the server exits on SIGINT", seconds: 60);
        var output = await File.ReadAllTextAsync(log);
        Assert.Contains("stopping: draining in-flight requests", output, StringComparison.Ordinal);
        _pid = 0;
    }

    private static bool SigIntIgnored(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        return (mask & 0b10) != 0;
    }

    public void Dispose()
    {
        if (_pid > 0 && Directory.Exists($"/proc/{_pid}"))
        {
            Gateway.GatewayTests.Signal(_pid, 9);
        }

        try
        {
            Directory.Delete(_data, recursive: true);
            File.Delete(_data + ".log");
        }
        catch (IOException)
        {
        }
    }
}
