using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Cli;

/// <summary>One in-process server on a free port with a throwaway data directory, shared by a test class.</summary>
public sealed class CliServerFixture : IAsyncLifetime
{
    private StasisServer? _server;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "stasis-cli-tests-" + Guid.NewGuid().ToString("N"));

    public StasisServer Server => _server ?? throw new InvalidOperationException("not started");

    public string Endpoint => Server.Address.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        _server = await StasisServer.StartAsync(
            new StasisServerOptions { Listen = "127.0.0.1:0", DataDirectory = DataDirectory },
            configureLogging: _ => { });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Instance logs may still be held briefly on some systems; a stray temp dir is harmless.
        }
    }

    /// <summary>Runs <c>stasis ARGS --endpoint THIS-SERVER</c> in-process.</summary>
    public async Task<CliRun> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await global::Stasis.Cli.Cli.RunAsync([.. args, "--endpoint", Endpoint], output, error);
        return new CliRun(exit, output.ToString(), error.ToString());
    }
}

public sealed record CliRun(int Exit, string Out, string Err);
