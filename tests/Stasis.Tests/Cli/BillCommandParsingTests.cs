namespace Stasis.Tests.Cli;

/// <summary><c>bill</c> and <c>server --config</c> mistakes caught before any request.</summary>
public sealed class BillCommandParsingTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await global::Stasis.Cli.Cli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("bill", "--from", "yesterday")]
    [InlineData("bill", "--to", "-5parsecs")]
    [InlineData("bill", "-o", "yaml")]
    [InlineData("bill", "--from", "-1h", "--to", "-2h")]
    [InlineData("bill", "a", "b")]
    public async Task Bill_BadArguments_ExitWith2(params string[] args)
    {
        var (exit, output, error) = await RunAsync([.. args, "--endpoint", "http://127.0.0.1:9"]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_ConfigWithUnknownKey_DoesNotStartAndNamesTheKey()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stasis-config-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{ "prices": { "gpuActiveCuPerGbSecnod": 2 } }""");
        try
        {
            var (exit, output, error) = await RunAsync("server", "--listen", "127.0.0.1:0", "--data", Path.GetTempPath(), "--config", path);

            Assert.Equal(1, exit);
            Assert.Equal("", output);
            Assert.StartsWith("error: the server did not start: ", error, StringComparison.Ordinal);
            Assert.Contains("prices.gpuActiveCuPerGbSecnod", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
