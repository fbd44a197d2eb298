using System.Diagnostics;

namespace Stasis.FunctionalTests.Images;

/// <summary>
/// Container images for the tests, made with the standard tools as a user would: a Debian root file system
/// with python3 from mmdebstrap (built once per machine and kept in <see cref="CacheDirectory"/>), the echo
/// test function inserted at /app with umoci, variants by <c>umoci config</c>, archives by skopeo.
/// </summary>
public static class TestImages
{
    public const string Reference = "registry.example.com/stasis-tests/echo:v1";

    /// <summary>Where the root file system is kept between runs (about 130 MB); STASIS_TEST_IMAGE_CACHE overrides.</summary>
    public static string CacheDirectory => Environment.GetEnvironmentVariable("STASIS_TEST_IMAGE_CACHE") ?? "/var/cache/stasis-tests";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _layout;

    /// <summary>Why images cannot be made here, or null.</summary>
    public static string? Missing()
    {
        var missing = new[] { "skopeo", "umoci", "mmdebstrap" }.Where(t => Which(t) is null).ToArray();
        return missing.Length == 0 ? null : $"these tests need {string.Join(", ", missing)}: apt-get install -y skopeo umoci mmdebstrap (.ci/run does)";
    }

    /// <summary>
    /// An OCI archive of the echo function's image (or, with <paramref name="docker"/>, a docker save tarball),
    /// named <paramref name="reference"/>; <paramref name="config"/> are umoci config options over the base's
    /// (entrypoint python3, cmd /app/app.py, workdir /app, env IMAGE_VAR=from-image, port 9000).
    /// </summary>
    public static async Task<string> ArchiveAsync(string directory, string reference = Reference, bool docker = false, params string[] config)
    {
        var layout = await BaseLayoutAsync();
        var tag = "t" + Guid.NewGuid().ToString("N")[..10];
        await RunAsync("umoci", ["config", "--image", $"{layout}:base", "--tag", tag, .. config]);
        var archive = Path.Combine(directory, tag + (docker ? ".docker.tar" : ".oci.tar"));
        await RunAsync("skopeo", ["copy", "--quiet", $"oci:{layout}:{tag}", $"{(docker ? "docker-archive" : "oci-archive")}:{archive}:{reference}"]);
        await RunAsync("umoci", ["rm", "--image", $"{layout}:{tag}"]);
        return archive;
    }

    /// <summary>Pushes an archive to a registry (plain HTTP), with credentials where given.</summary>
    public static Task PushAsync(string archive, string target, string? credentials) =>
        RunAsync("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", .. credentials is null ? Array.Empty<string>() : ["--dest-creds", credentials], $"oci-archive:{archive}", $"docker://{target}"]);

    private static async Task<string> BaseLayoutAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_layout is not null)
            {
                return _layout;
            }

            if (Missing() is { } missing)
            {
                throw new InvalidOperationException(missing);
            }

            var rootfs = await RootfsAsync();
            var layout = Path.Combine(Path.GetTempPath(), "stasis-test-layout-" + Guid.NewGuid().ToString("N")[..8]);
            await RunAsync("umoci", ["init", "--layout", layout]);
            await RunAsync("umoci", ["new", "--image", $"{layout}:base"]);
            await RunAsync("umoci", ["raw", "add-layer", "--image", $"{layout}:base", rootfs]);
            var app = Path.Combine(layout + "-app", "app");
            Directory.CreateDirectory(app);
            File.Copy(Path.Combine(ServerFixture.EchoDirectory, "app.py"), Path.Combine(app, "app.py"));
            var attacker = Path.Combine(layout + "-app", "attacker");
            Directory.CreateDirectory(attacker);
            File.Copy(Path.Combine(Sandbox.SandboxServerFixture.AttackerDirectory, "app.py"), Path.Combine(attacker, "app.py"));
            await RunAsync("chmod", ["-R", "a+rX", layout + "-app"]);
            await RunAsync("umoci", ["insert", "--image", $"{layout}:base", app, "/app"]);
            await RunAsync("umoci", ["insert", "--image", $"{layout}:base", attacker, "/attacker"]);
            await RunAsync("umoci", ["config", "--image", $"{layout}:base",
                "--config.entrypoint", "python3", "--config.cmd", "/app/app.py", "--config.workingdir", "/app",
                "--config.env", "IMAGE_VAR=from-image", "--config.exposedports", "9000/tcp"]);
            _layout = layout;
            return layout;
        }
        finally
        {
            Gate.Release();
        }
    }

    // Debian's essential packages and python3, as the sample's build.sh makes them (without flask).
    private static async Task<string> RootfsAsync()
    {
        Directory.CreateDirectory(CacheDirectory);
        var tar = Path.Combine(CacheDirectory, "python3-bookworm.tar");
        if (File.Exists(tar))
        {
            return tar;
        }

        var part = tar + "." + Environment.ProcessId + ".part";
        await RunAsync("mmdebstrap", ["--quiet", "--mode=root", "--format=tar", "--variant=essential", "--include=python3",
            "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/locale/*",
            "bookworm", part], TimeSpan.FromMinutes(5));
        File.Move(part, tar, overwrite: true);
        return tar;
    }

    public static async Task<string> RunAsync(string tool, IReadOnlyList<string> args, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(Which(tool) ?? tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited with {process.ExitCode}: {await error}");
        }

        return await output;
    }

    private static string? Which(string tool) =>
        new[] { "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
}
