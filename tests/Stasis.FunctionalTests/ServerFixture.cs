using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests;

/// <summary>A real Stasis server on a free loopback port with a throw-away data directory.</summary>
public class ServerFixture : IAsyncLifetime
{
    public StasisServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "stasis-ft-" + Guid.NewGuid().ToString("N")[..8]);

    public static string EchoDirectory => Path.Combine(AppContext.BaseDirectory, "TestFunctions", "echo");

    public async Task InitializeAsync()
    {
        Server = await StasisServer.StartAsync(
            Configure(new StasisServerOptions
            {
                Listen = "127.0.0.1:0",
                DataDirectory = DataDirectory,
                MaxRequestBodyBytes = 1024 * 1024,
                StopGrace = TimeSpan.FromSeconds(2),
                DrainTimeout = TimeSpan.FromSeconds(10),
            }),
            configureLogging: l => l.SetMinimumLevel(LogLevel.Warning));
        Http = new HttpClient { BaseAddress = Server.Address, Timeout = TimeSpan.FromSeconds(60) };
        ConfigureHttp(Http);
    }

    /// <summary>A fixture of its own may change the server's options (a shorter metrics interval, say).</summary>
    protected virtual StasisServerOptions Configure(StasisServerOptions options) => options;

    /// <summary>A fixture of its own may give <see cref="Http"/> credentials (a server that asks for them).</summary>
    protected virtual void ConfigureHttp(HttpClient http)
    {
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A spec for the echo function; <paramref name="env"/> picks its behaviour.</summary>
    public static FunctionSpec Echo(string name, Dictionary<string, string>? env = null, int concurrency = 4, int timeout = 30, int initTimeout = 10, List<string>? methods = null) => new()
    {
        FunctionName = name,
        Runtime = "custom-container",
        Code = EchoDirectory,
        Timeout = timeout,
        InstanceConcurrency = concurrency,
        EnvironmentVariables = env ?? new(),
        CustomContainerConfig = new CustomContainerConfig { Entrypoint = ["python3"], Command = ["app.py"], Port = 9000 },
        InstanceLifecycleConfig = new InstanceLifecycleConfig
        {
            Initializer = new LifecycleHook { Handler = "init", Timeout = initTimeout },
            PreStop = new LifecycleHook { Handler = "prestop", Timeout = 3 },
        },
        Triggers = [new TriggerSpec { TriggerName = "http", TriggerType = "http", TriggerConfig = new TriggerConfig { AuthType = "anonymous", Methods = methods ?? ["GET", "POST"] } }],
    };

    public async Task<FunctionInfo> DeployAsync(FunctionSpec spec)
    {
        using var response = await Http.PutAsJsonAsync($"api/v1/functions/{spec.FunctionName}", spec, JsonDefaults.Options);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"deploy failed: {(int)response.StatusCode} {text}");
        return System.Text.Json.JsonSerializer.Deserialize<DeployResult>(text, JsonDefaults.Options)!.Function;
    }

    public async Task<List<InstanceInfo>> InstancesAsync(string name, bool all = false) =>
        (await Http.GetFromJsonAsync<List<InstanceInfo>>($"api/v1/functions/{name}/instances?all={all.ToString().ToLowerInvariant()}", JsonDefaults.Options))!;

    public static async Task Until(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("never happened: " + what);
            }

            await Task.Delay(50);
        }
    }

    public static bool ProcessAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
}
