using System.Diagnostics;

namespace Stasis.FunctionalTests.Security;

/// <summary>
/// Another user of the host (<c>nobody</c>) gets nothing of a running server's data directory: not its store
/// (whose access keys would otherwise sign requests), its server key, its logs or its replay journal.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DataDirectoryAccessTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Nobody_CannotListOrReadTheDataDirectory_AndEveryFileInItIsTheServersAlone()
    {
        await fx.DeployAsync(ServerFixture.Echo("modes"));
        (await fx.Http.GetAsync("fn/modes/invoke")).EnsureSuccessStatusCode();
        var store = Path.Combine(fx.DataDirectory, "stasis.db");

        var list = await AsNobodyAsync("ls", fx.DataDirectory);
        var read = await AsNobodyAsync("cat", store);
        var key = await AsNobodyAsync("cat", Path.Combine(fx.DataDirectory, "server.key"));

        Assert.NotEqual(0, list.Code);
        Assert.Contains("Permission denied", list.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, read.Code);
        Assert.NotEqual(0, key.Code);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(fx.DataDirectory));
        foreach (var file in Directory.GetFiles(fx.DataDirectory, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/images/", StringComparison.Ordinal)))
        {
            Assert.True((File.GetUnixFileMode(file) & (UnixFileMode)0x3f) == 0, $"{file} is open to others: {File.GetUnixFileMode(file)}");
        }
    }

    private static async Task<(int Code, string Error)> AsNobodyAsync(string program, string path)
    {
        var psi = new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", program, path])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(psi)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error);
    }
}
