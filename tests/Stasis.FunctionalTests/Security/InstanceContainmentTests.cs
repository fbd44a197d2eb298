using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;
using Stasis.FunctionalTests.Runtime;
using Stasis.Server.Hosting;
using Stasis.Server.Runtime;
using Stasis.Server.Runtime.Cgroups;
using Stasis.Server.Runtime.Process;

namespace Stasis.FunctionalTests.Security;

/// <summary>A server started with secrets in its own environment, as an operator's shell might hold them.</summary>
public sealed class ContainmentServerFixture : ServerFixture
{
    public static readonly Dictionary<string, string> Secrets = new()
    {
        // Well-formed: the variable stays set for the rest of the test process, where servers started from the CLI read it.
        ["STASIS_ADMIN_KEY"] = AdminToken(),
        ["AWS_SECRET_ACCESS_KEY"] = "aws-secret-that-must-not-leak",
        ["DATABASE_URL"] = "postgres://user:password@db/prod",
    };

    public ContainmentServerFixture()
    {
        foreach (var (name, value) in Secrets)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    private static string AdminToken()
    {
        var token = Stasis.Client.Auth.AccessKeyToken.Generate();
        return $"{token.Id}.{token.Secret}";
    }

    /// <summary>What the server's runtime says it uses here (isolation, cpuLimit, memoryLimit, ...).</summary>
    public async Task<Dictionary<string, string>> RuntimeAsync() =>
        (await Http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!.RuntimeDetails;
}

/// <summary>
/// What an instance cannot reach: the server's environment, the server's and the host's network, more memory than its
/// memorySize, more CPU than its cpu. Each test reads what the host allows and checks what the documentation promises
/// for that case.
/// </summary>
public sealed class InstanceContainmentTests(ContainmentServerFixture fx) : IClassFixture<ContainmentServerFixture>
{
    // Set by the instance's own programs, not passed by the server: sh sets PWD and SHLVL (and _), Python coerces the C
    // locale by setting LC_CTYPE (PEP 538).
    private static readonly string[] SetByTheProgramItself = ["PWD", "SHLVL", "_", "OLDPWD", "LC_CTYPE"];

    [Fact]
    public async Task AnInstanceGetsItsFunctionsEnvironment_NothingOfTheServers()
    {
        Assert.Equal(ContainmentServerFixture.Secrets["STASIS_ADMIN_KEY"], Environment.GetEnvironmentVariable("STASIS_ADMIN_KEY"));
        await fx.DeployAsync(Direct(ServerFixture.Echo("env-report", env: new() { ["GREETING"] = "hello" })));

        var environ = JsonSerializer.Deserialize<Dictionary<string, string>>(await fx.Http.GetStringAsync("fn/env-report/environ"))!;

        Assert.All(ContainmentServerFixture.Secrets.Keys, secret => Assert.DoesNotContain(secret, environ.Keys));
        Assert.DoesNotContain(environ.Values, v => ContainmentServerFixture.Secrets.ContainsValue(v));
        var unexpected = environ.Keys.Where(k => !k.StartsWith("FC_", StringComparison.Ordinal)
            && k is not ("PORT" or "PATH" or "HOME" or "GREETING") && !SetByTheProgramItself.Contains(k)).ToList();
        Assert.Empty(unexpected);
        Assert.Equal("hello", environ["GREETING"]);
        if ((await fx.RuntimeAsync())["sandbox"].StartsWith("off", StringComparison.Ordinal))
        {
            Assert.Equal(Environment.GetEnvironmentVariable("PATH"), environ["PATH"]);
        }
        else
        {
            // The server's PATH names its own directories, which a sandbox does not have: the sandbox's system ones instead.
            Assert.Equal("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", environ["PATH"]);
            Assert.Equal("/tmp", environ["HOME"]);
        }
    }

    [Fact]
    public async Task AnInstanceCannotConnectToTheControlApi_NorToAnyAddressOfTheHost()
    {
        var runtime = await fx.RuntimeAsync();
        using var canary = new TcpListener(IPAddress.IPv6Any, 0);
        canary.Server.DualMode = true;
        canary.Start();
        var canaryPort = ((IPEndPoint)canary.LocalEndpoint).Port;
        var serverPort = fx.Server.Address.Port;
        // Every address of this host, with the control API's port and with a listener on all addresses; only those
        // the test itself reaches count, so that a refusal means the instance's network, not the address.
        var targets = new List<string> { $"127.0.0.1:{serverPort}" };
        foreach (var address in HostAddresses())
        {
            var target = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{canaryPort}" : $"{address}:{canaryPort}";
            if (await ReachableFromHereAsync(address, canaryPort))
            {
                targets.Add(target);
                targets.Add(target[..target.LastIndexOf(':')] + $":{serverPort}");
            }
        }

        Assert.Contains($"127.0.0.1:{canaryPort}", targets); // at least loopback was reachable from here
        await fx.DeployAsync(ServerFixture.Echo("net-probe"));
        var results = JsonNode.Parse(await fx.Http.GetStringAsync($"fn/net-probe/connect?to={Uri.EscapeDataString(string.Join(',', targets.Append("127.0.0.1:9000")))}"))!.AsObject();

        Assert.Equal("connected", (string?)results["127.0.0.1:9000"]); // its own port: the probe itself works
        if (runtime["isolation"] == "netns")
        {
            Assert.All(targets, t => Assert.NotEqual("connected", (string?)results[t]));
        }
        else
        {
            // Documented fallback (docs/limits.md): without a namespace an instance shares the host's network.
            Assert.StartsWith("none", runtime["isolation"], StringComparison.Ordinal);
            Assert.Equal("connected", (string?)results[$"127.0.0.1:{canaryPort}"]);
        }
    }

    [SkippableFact]
    public async Task AFunctionOverItsMemorySize_IsKilledByTheMemoryCgroup_The502IsJson_AndANewInstanceTakesTheNext()
    {
        var runtime = await fx.RuntimeAsync();
        await fx.DeployAsync(Direct(ServerFixture.Echo("memory-hog")) with { MemorySize = 128 });
        var first = (string)JsonNode.Parse(await fx.Http.GetStringAsync("fn/memory-hog/invoke"))!["instance"]!;

        using var response = await fx.Http.GetAsync("fn/memory-hog/alloc?mb=512");

        if (runtime["memoryLimit"] == "unavailable")
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode); // documented: no memory cgroup, no limit
            throw new SkipException("this host has no memory cgroup, so the limit itself cannot be shown (the documented fallback, no limit, was checked)");
        }

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("InstanceError", error.Code);
        await ServerFixture.Until(async () => (await fx.InstancesAsync("memory-hog", all: true)).Any(i => i.State == "Failed"), "the killed instance is recorded");
        var killed = (await fx.InstancesAsync("memory-hog", all: true)).Single(i => i.State == "Failed");
        Assert.Equal("killed by the memory cgroup: out of memory (memorySize 128 MB) while serving a request", killed.Error);
        Assert.Equal(first, killed.Id);
        var next = (string)JsonNode.Parse(await fx.Http.GetStringAsync("fn/memory-hog/invoke"))!["instance"]!;
        Assert.NotEqual(first, next);
    }

    [SkippableFact]
    public async Task ACpuBoundFunction_IsHeldToItsCpuQuota_TheGroupIsThrottled()
    {
        var runtime = (ProcessRuntime)fx.Server.Services.GetRequiredService<IInstanceRuntime>();
        var cgroups = runtime.Cgroups;
        await fx.DeployAsync(Direct(ServerFixture.Echo("cpu-hog")) with { Cpu = 0.25 });
        (await fx.Http.GetAsync("fn/cpu-hog/invoke")).Dispose();
        if (!cgroups.CanLimitCpu)
        {
            Assert.Equal("unavailable", (await fx.RuntimeAsync())["cpuLimit"]); // documented: no cpu controller, no quota
            throw new SkipException("this host has no cpu controller, so the quota itself cannot be shown (the documented fallback was checked)");
        }

        var instance = (await fx.InstancesAsync("cpu-hog")).Single();
        var group = Path.Combine(cgroups.V1CpuBase ?? cgroups.UnifiedBase!, CgroupHost.SafeName(instance.Id));
        var quota = File.ReadAllText(Path.Combine(group, cgroups.CpuLimitFile!)).Trim();
        var throttledBefore = Throttled(group);

        // A period ends throttled once the function has used its 25 ms of it; on a busy host it may take more than one
        // spin to get that much CPU in a single period, so spin until the kernel says so.
        await ServerFixture.Until(async () =>
        {
            using var spin = await fx.Http.GetAsync("fn/cpu-hog/spin?ms=1000");
            Assert.Equal(HttpStatusCode.OK, spin.StatusCode);
            return Throttled(group) > throttledBefore;
        }, "the kernel throttles the spinning function at its quota", seconds: 60);

        Assert.Equal(cgroups.CpuLimitFile == "cpu.max" ? "25000 100000" : "25000", quota);
        // The function's process is in the group, or (sandboxed) in runc's group inside it.
        var members = Directory.EnumerateFiles(group, "cgroup.procs", SearchOption.AllDirectories).SelectMany(File.ReadAllLines);
        Assert.Contains(instance.Pid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), members);
    }

    [Fact]
    public async Task WithoutNetworkIsolation_TheServerSaysSoAtStartup_AndWhatItMeans()
    {
        var data = Path.Combine(Path.GetTempPath(), "stasis-noisolation-" + Guid.NewGuid().ToString("N")[..8]);
        var logs = new ConcurrentQueue<(LogLevel Level, string Message)>();
        var options = new StasisServerOptions { Listen = "127.0.0.1:0", DataDirectory = data, StopGrace = TimeSpan.FromSeconds(2), DrainTimeout = TimeSpan.FromSeconds(5) };
        await using (var server = await StasisServer.StartAsync(options,
            services => services.AddSingleton<IInstanceRuntime>(sp => new ProcessRuntime(sp.GetRequiredService<ILogger<ProcessRuntime>>(), TimeProvider.System,
                ProcessRuntimeOptions.ForDataDirectory(data) with { Sandbox = false }, new HostOverrides { NetworkIsolation = false })),
            l => l.AddProvider(new RecordingLoggerProvider(logs))))
        {
            Assert.Contains(logs, l => l.Level == LogLevel.Warning
                && l.Message == "Instances share the host network: none (switched off). Each gets a free port in FC_SERVER_PORT and PORT, "
                + "and can connect to the control API and to every port of this host (docs/limits.md)");
            using var http = new HttpClient { BaseAddress = server.Address };
            var status = (await http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!;
            Assert.Equal("none (switched off)", status.RuntimeDetails["isolation"]);
        }

        Directory.Delete(data, recursive: true);
    }

    /// <summary>The echo function run by the real interpreter, not a version manager's shim that adds variables of its own.</summary>
    private static FunctionSpec Direct(FunctionSpec spec) =>
        spec with { CustomContainerConfig = spec.CustomContainerConfig! with { Entrypoint = [TestFunctions.PythonPath] } };

    private static IEnumerable<IPAddress> HostAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Distinct();

    private static async Task<bool> ReachableFromHereAsync(IPAddress address, int port)
    {
        using var client = new TcpClient(address.AddressFamily);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync(address, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static long Throttled(string group) =>
        File.ReadAllLines(Path.Combine(group, "cpu.stat")).Select(l => l.Split(' ')).Where(p => p[0] == "nr_throttled").Select(p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)).Single();

    private sealed class RecordingLoggerProvider(ConcurrentQueue<(LogLevel, string)> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(lines);

        public void Dispose()
        {
        }

        private sealed class Recorder(ConcurrentQueue<(LogLevel, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
