using System.Diagnostics;
using Stasis.Server.Runtime;

namespace Stasis.FunctionalTests.Runtime;

/// <summary>
/// A scratch directory with small function programs for runtime tests: a Python HTTP server on
/// FC_SERVER_PORT (GET /ping answers its pid, GET /env/NAME a variable) and shell scripts.
/// </summary>
internal sealed class TestFunctions : IDisposable
{
    private const string ServerScript = """
        import http.server, os, sys
        port = int(os.environ['FC_SERVER_PORT'])
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == '/ping':
                    body = str(os.getpid())
                elif self.path.startswith('/env/'):
                    body = os.environ.get(self.path[5:], '<unset>')
                else:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def log_message(self, *args):
                pass
        print('listening on', port, flush=True)
        print('hello from stderr', file=sys.stderr, flush=True)
        http.server.HTTPServer(('0.0.0.0', port), Handler).serve_forever()
        """;

    private static readonly Lazy<string> Python = new(FindPython);

    public TestFunctions()
    {
        Directory = Path.Combine(Path.GetTempPath(), "stasis-runtime-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path.Combine(Directory, "server.py"), ServerScript);
    }

    public string Directory { get; }

    /// <summary>The real interpreter, not a version-manager shim, so the pid we spawn is python's own (/usr/bin/python3 where there is one).</summary>
    public static string PythonPath => Python.Value;

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Writes an executable /bin/sh script.</summary>
    public string Script(string name, string body)
    {
        var path = PathOf(name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            // Readable and runnable by the sandboxed instance's uid, as a checkout's scripts are.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        return path;
    }

    public InstanceLaunch Launch(IReadOnlyList<string>? argv = null, int port = 9000, IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? startTimeout = null, string? instanceId = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["FC_SERVER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var id = instanceId ?? "test-" + Guid.NewGuid().ToString("N")[..10];
        return new InstanceLaunch
        {
            InstanceId = id,
            FunctionName = "runtime-test",
            WorkingDirectory = Directory,
            Argv = argv ?? [PythonPath, "server.py"],
            Environment = env,
            Port = port,
            StartTimeout = startTimeout ?? TimeSpan.FromSeconds(30),
            LogPath = Path.Combine(Directory, "logs", id + ".log"),
        };
    }

    /// <summary>Whether a pid no longer runs: absent, or a zombie waiting for a reaper that is not ours.</summary>
    public static bool IsGone(int pid)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{pid}/status");
            return status.Contains("State:\tZ", StringComparison.Ordinal) || status.Contains("State:\tX", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return true;
        }
    }

    public static int ReadPid(string path) => int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Waits (bounded) for a file a script writes once it is running.</summary>
    public static async Task<string> WaitForFileAsync(string path)
    {
        for (var i = 0; i < 500 && !(File.Exists(path) && new FileInfo(path).Length > 0); i++)
        {
            await Task.Delay(20);
        }

        return path;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // The system's interpreter where there is one: a sandboxed instance sees /usr, not a version
    // manager's directory under the server's home.
    private static string FindPython()
    {
        if (File.Exists("/usr/bin/python3"))
        {
            return "/usr/bin/python3";
        }

        var start = new ProcessStartInfo("python3", ["-c", "import sys; print(sys.executable)"]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var path = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return path;
    }
}
