using Microsoft.Extensions.DependencyInjection;
using Stasis.Cli;
using Stasis.Cli.Hosting;
using Stasis.Server.Runtime;

namespace Stasis.FunctionalTests.Cli;

/// <summary><c>stasis up</c>: server in-process, every samples/*/s.yaml deployed, URLs and curl lines printed.</summary>
public sealed class CliUpTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-cli-up-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Sample(string directory, string functionName, string? extraFile = null)
    {
        var root = Path.Combine(_dir, "samples", directory);
        Directory.CreateDirectory(Path.Combine(root, "app"));
        if (extraFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, extraFile))!);
            File.WriteAllBytes(Path.Combine(root, extraFile), [1, 2, 3]);
        }

        File.WriteAllText(Path.Combine(root, "s.yaml"), $"""
            edition: 3.0.0
            resources:
              {directory}:
                component: fc3
                props:
                  functionName: {functionName}
                  code: ./app
                  customContainerConfig:
                    command: [python3, app.py]
                  triggers:
                    - triggerName: http
                      triggerType: http
            """);
    }

    [Fact]
    public async Task DeploysTheSamplesAndPrintsCurlLines()
    {
        Sample("text-classifier-python", "text-classifier");
        Sample("image-embedding-onnx", "image-embedding", "testdata/sample.png");
        Sample("broken", "9-not-a-valid-name");
        var output = new LockedStringWriter();
        var error = new LockedStringWriter();
        var env = new CliEnvironment { Out = output, Error = error, CurrentDirectory = () => _dir };
        LocalServer.ConfigureServices = services => services.AddSingleton<IInstanceRuntime>(new EchoRuntime());
        using var stop = new CancellationTokenSource();

        var run = global::Stasis.Cli.Cli.RunAsync(["up", "--listen", "127.0.0.1:0", "--data", Path.Combine(_dir, ".stasis")], env, stop.Token);
        string text;
        try
        {
            text = await output.WaitForAsync("Press Ctrl-C to stop.", TimeSpan.FromSeconds(60));
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run);
        var address = text.Split('\n')[0].Split(' ')[3];
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        Assert.Contains($"curl {address}/fn/text-classifier/invoke -H \"Content-Type: text/plain\" --data \"Nice to meet you\"", text, StringComparison.Ordinal);
        Assert.Contains($"curl {address}/fn/image-embedding/invoke --data-binary @samples/image-embedding-onnx/testdata/sample.png", text, StringComparison.Ordinal);
        Assert.Contains("samples/broken/s.yaml was not deployed", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("9-not-a-valid-name:", text, StringComparison.Ordinal);
    }
}
