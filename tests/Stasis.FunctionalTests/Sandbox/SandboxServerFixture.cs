using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Sandbox;

/// <summary>
/// A server with its sandbox on (the default) and two functions: <c>attacker</c>, which tries what an
/// attacker's code would from inside its instance, and <c>victim</c>, another function it must not touch.
/// </summary>
public sealed class SandboxServerFixture : ServerFixture, IAsyncLifetime
{
    public static string AttackerDirectory => Path.Combine(AppContext.BaseDirectory, "TestFunctions", "attacker");

    /// <summary>The attacker's diskSize: its /tmp holds this much and no more.</summary>
    public const int AttackerDiskMb = 64;

    public static FunctionSpec Attacker(string name, bool internetAccess = true) => Echo(name, timeout: 120) with
    {
        Code = AttackerDirectory,
        MemorySize = 512,
        DiskSize = AttackerDiskMb,
        InternetAccess = internetAccess,
        InstanceLifecycleConfig = new InstanceLifecycleConfig { Initializer = new LifecycleHook { Handler = "init", Timeout = 10 } },
    };

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var status = (await Http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!;
        var sandbox = status.RuntimeDetails.GetValueOrDefault("sandbox", "missing");
        if (!sandbox.StartsWith("runc", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"these tests need the sandbox, and it is {sandbox}: apt-get install -y runc golang-github-containers-common iptables (.ci/run does)");
        }

        await DeployAsync(Attacker("attacker"));
        await DeployAsync(Echo("victim"));
    }

    /// <summary>Runs one attack: GET /fn/attacker/PATH, its JSON answer.</summary>
    public async Task<JsonObject> AttackAsync(string pathAndQuery, string function = "attacker")
    {
        using var response = await Http.GetAsync($"fn/{function}/{pathAndQuery.TrimStart('/')}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{pathAndQuery}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>The victim still answers, from the instance it had.</summary>
    public async Task VictimUnharmedAsync(string? instance = null)
    {
        var answer = JsonNode.Parse(await Http.GetStringAsync("fn/victim/invoke"))!;
        if (instance is not null)
        {
            Assert.Equal(instance, (string?)answer["instance"]);
        }
    }

    /// <summary>The host pid of a function's (single) instance.</summary>
    public async Task<InstanceInfo> InstanceOfAsync(string function)
    {
        using (await Http.GetAsync($"fn/{function}/invoke"))
        {
        }

        return (await InstancesAsync(function)).Single();
    }
}
