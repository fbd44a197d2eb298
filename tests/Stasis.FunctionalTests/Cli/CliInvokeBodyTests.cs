using System.Net;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Cli;

/// <summary>
/// <c>stasis invoke</c> with a body from a file, as curl takes it (<c>--data @FILE</c>, or <c>--file FILE</c>): within
/// the server's limit it is sent; past it the CLI prints the server's own 413 (it printed "Error while copying content
/// to a stream", and <c>@FILE</c> was taken for a response file of more arguments). Error JSON reads as written.
/// </summary>
public sealed class CliInvokeBodyTests(ServerFixture fx) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-invoke-body-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("--data", "@")]
    [InlineData("--file", "")]
    public async Task ABodyFromAFile_IsSent_AndOneOverTheLimitGetsTheServersOwn413(string option, string prefix)
    {
        await fx.DeployAsync(ServerFixture.Echo("invoke-body"));
        var small = Path.Combine(_dir, "small.txt");
        await File.WriteAllTextAsync(small, "a body from a file");
        var big = Path.Combine(_dir, "big.bin");
        await File.WriteAllBytesAsync(big, new byte[2_000_000]); // the fixture's limit is 1 MB

        var (exit, output, error) = await Run("invoke", "invoke-body", option, prefix + small);
        Assert.True(exit == 0, error);
        Assert.Contains("a body from a file", output, StringComparison.Ordinal);

        (exit, _, error) = await Run("invoke", "invoke-body", option, prefix + big);
        Assert.Equal(1, exit);
        Assert.Contains("error: PayloadTooLarge: the request body is 2000000 bytes; the limit is 1048576 bytes.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("copying content", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorJson_WritesQuotesAndBackticksAsThemselves()
    {
        using var response = await fx.Http.GetAsync("api/v1/functions/no-such-fn");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Contains("function 'no-such-fn' does not exist; `./stasis functions` lists the deployed ones.", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0027", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0060", raw, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Out, string Error)> Run(params string[] args)
    {
        var output = new LockedStringWriter();
        var error = new LockedStringWriter();
        var exit = await global::Stasis.Cli.Cli.RunAsync([.. args, "--endpoint", fx.Server.Address.ToString()], output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
