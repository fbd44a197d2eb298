using Microsoft.Extensions.DependencyInjection;
using Stasis.Client;
using Stasis.Server.Hosting;
using Stasis.Server.Runtime;

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
            configureServices: services => services.AddSingleton<IInstanceRuntime>(new EchoRuntime()),
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

    public StasisClient Client() => new(Server.Address);

    /// <summary>Runs <c>stasis ARGS --endpoint THIS-SERVER</c> in-process.</summary>
    public Task<CliRun> RunAsync(params string[] args) => RunAsync(args, stdin: null);

    public async Task<CliRun> RunAsync(string[] args, string? stdin)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var env = global::Stasis.Cli.CliEnvironment.ForWriters(output, error);
        if (stdin is not null)
        {
            env = new global::Stasis.Cli.CliEnvironment
            {
                Out = output,
                Error = error,
                OpenStdin = () => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(stdin)),
            };
        }

        var exit = await global::Stasis.Cli.Cli.RunAsync([.. args, "--endpoint", Endpoint], env);
        return new CliRun(exit, output.ToString(), error.ToString());
    }
}

public sealed record CliRun(int Exit, string Out, string Err);
