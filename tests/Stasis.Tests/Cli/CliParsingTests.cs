using System.Net;
using System.Net.Sockets;
using Stasis.Cli;

namespace Stasis.Tests.Cli;

/// <summary>Command-line handling that needs no server: usage errors, unreachable endpoints, help.</summary>
public sealed class CliParsingTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await global::Stasis.Cli.Cli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("info")]
    [InlineData("invoke", "f", "--data", "x", "--file", "y")]
    [InlineData("invoke", "f", "-H", "not a header")]
    [InlineData("server", "--idle-timeout", "5x")]
    [InlineData("server", "--max-body", "lots")]
    [InlineData("server", "--max-header-size", "lots")]
    [InlineData("up", "--min-rate-grace", "5x")]
    [InlineData("server", "--min-request-rate", "fast")]
    [InlineData("server", "--max-instances-total", "many")]
    [InlineData("server", "--memory-trim-interval", "500ms")]
    [InlineData("up", "--memory-trim-interval", "2h")]
    [InlineData("server", "--memory-trim-interval", "often")]
    [InlineData("server", "--memory-compact-interval", "5s")]
    [InlineData("up", "--memory-compact-interval", "2h")]
    [InlineData("status", "-o", "yaml")]
    [InlineData("logs", "f", "--tail", "-3")]
    public async Task UsageErrorsExitWith2(params string[] args)
    {
        var (exit, output, error) = await RunAsync(args);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerLimitOutOfRange_TheServerDoesNotStartAndNamesTheOption()
    {
        var data = Path.Combine(Path.GetTempPath(), "stasis-limits-" + Guid.NewGuid().ToString("N")[..8]);

        var (exit, _, error) = await RunAsync("server", "--listen", "127.0.0.1:0", "--data", data, "--max-instances-total", "0");

        Assert.Equal(1, exit);
        Assert.Contains("the server did not start: the server option --max-instances-total (limits.maxInstancesTotal) is 0; it must be a whole number of instances from 1 to 100000.", error);
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public async Task MemoryTrimIntervalOutOfRange_SaysWhatItTakes()
    {
        var (exit, _, error) = await RunAsync("server", "--memory-trim-interval", "500ms");

        Assert.Equal(2, exit);
        Assert.Contains("--memory-trim-interval '500ms' is not 0 or a duration from 1s to 1h, like 10s or 30s", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemoryCompactIntervalOutOfRange_SaysWhatItTakes()
    {
        var (exit, _, error) = await RunAsync("server", "--memory-compact-interval", "5s");

        Assert.Equal(2, exit);
        Assert.Contains("--memory-compact-interval '5s' is not 0 or a duration from 10s to 1h, like 60s or 5m", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableServerSaysHowToStartOne()
    {
        var port = FreePort();
        var (exit, output, error) = await RunAsync("status", "--endpoint", $"http://127.0.0.1:{port}");
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Equal(
            $"error: cannot reach the Stasis server at http://127.0.0.1:{port}: start it with `./stasis server` or `./stasis up`, or set --endpoint / STASIS_ENDPOINT",
            error.TrimEnd());
    }

    [Fact]
    public async Task BadEndpointIsAUsageError()
    {
        var (exit, _, error) = await RunAsync("status", "--endpoint", "ftp://x");
        Assert.Equal(2, exit);
        Assert.Contains("--endpoint 'ftp://x'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpListsEveryCommand()
    {
        var (exit, output, _) = await RunAsync("--help");
        Assert.Equal(0, exit);
        foreach (var command in new[] { "server", "up", "deploy", "functions, ls", "info", "invoke", "instances", "logs", "rm", "status" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DeployWithoutTheFileSaysSo()
    {
        var (exit, _, error) = await RunAsync("deploy", "-t", "/nonexistent/s.yaml");
        Assert.Equal(2, exit);
        Assert.Contains("no such file: /nonexistent/s.yaml", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:7070", "http://127.0.0.1:7070/")]
    [InlineData("http://localhost:8080", "http://localhost:8080/")]
    [InlineData("https://stasis.example/base/", "https://stasis.example/base/")]
    public void EndpointsAcceptBareHostPort(string text, string expected) =>
        Assert.Equal(expected, GlobalOptions.ParseEndpoint(text).ToString());

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
