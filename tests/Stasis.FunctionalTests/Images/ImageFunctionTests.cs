using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Images;

/// <summary>Functions that run an image (docs/images.md): as FC runs them, in the sandbox, on a writable layer of their own.</summary>
[Collection("images")]
public sealed class ImageFunctionTests(ImageServerFixture fx)
{
    [Fact]
    public async Task AnImageOnlySpec_Serves_WithTheImagesEnvAndFcsVariables_AndItsInstanceShowsTheDigest()
    {
        await fx.DeployAsync(ImageServerFixture.ImageOnly("image-only"));

        var environ = JsonNode.Parse(await fx.Http.GetStringAsync("fn/image-only/environ"))!;

        Assert.Equal("from-image", (string?)environ["IMAGE_VAR"]);
        Assert.Equal("9000", (string?)environ["FC_SERVER_PORT"]);
        Assert.Equal("image-only", (string?)environ["FC_FUNCTION_NAME"]);
        var instance = (await fx.InstancesAsync("image-only")).Single();
        Assert.Equal(fx.Image.Digest, instance.Image);
        Assert.Equal((string?)environ["FC_INSTANCE_ID"], instance.Id);
    }

    [Fact]
    public async Task TheSpecsCommand_ReplacesTheImagesCmd_AndWhatTheInstanceWrites_StaysInItsOwnBoundedLayer()
    {
        await fx.DeployAsync(Attacker("image-writer"));

        var write = await AttackAsync("image-writer", "write?path=/app/written-by-instance");
        var read = await AttackAsync("image-writer", "read?path=/app/written-by-instance");
        var system = await AttackAsync("image-writer", "write?path=/usr/bin/planted");
        var fill = await AttackAsync("image-writer", $"fill?path=/app/big&mb={(DiskMb * 2).ToString(CultureInfo.InvariantCulture)}");

        Assert.True((bool)write["ok"]!, write.ToJsonString());
        Assert.True((bool)read["ok"]!, "it reads back what it wrote");
        Assert.True((bool)system["ok"]!, "root of the instance owns its copy of the image");
        Assert.Contains("No space left", (string?)fill["error"], StringComparison.Ordinal);
        Assert.True((long)fill["written"]! <= (DiskMb + 1) * (1L << 20), $"it wrote {fill["written"]} bytes into a {DiskMb} MB layer");
        // The image's files on the host are untouched: its writes went into its layer alone.
        var unpacked = Directory.GetDirectories(Path.Combine(fx.DataDirectory, "images", "rootfs"));
        Assert.NotEmpty(unpacked);
        Assert.All(unpacked, dir =>
        {
            Assert.False(File.Exists(Path.Combine(dir, "rootfs", "app", "written-by-instance")));
            Assert.False(File.Exists(Path.Combine(dir, "rootfs", "usr", "bin", "planted")));
        });
    }

    [Fact]
    public async Task WithoutAnOverlay_TheInstanceRunsOnTheReadOnlyImage_AndWritesOnlyItsTmpfsPaths()
    {
        var runtime = (Stasis.Server.Runtime.Process.ProcessRuntime)fx.Server.Services.GetService(typeof(Stasis.Server.Runtime.IInstanceRuntime))!;
        var host = runtime.SandboxHost!;
        host.OverlayProblem = "refused for this test";
        try
        {
            await fx.DeployAsync(Attacker("image-readonly"));

            var app = await AttackAsync("image-readonly", "write?path=/app/not-here");
            var tmp = await AttackAsync("image-readonly", "write?path=/tmp/scratch");
            var run = await AttackAsync("image-readonly", "write?path=/run/pidfile");

            Assert.False((bool)app["ok"]!);
            Assert.Contains("Read-only file system", (string?)app["error"], StringComparison.Ordinal);
            Assert.True((bool)tmp["ok"]!, tmp.ToJsonString());
            Assert.True((bool)run["ok"]!, run.ToJsonString());
            var status = JsonNode.Parse(await fx.Http.GetStringAsync("api/v1/status"))!;
            Assert.Contains("no overlay: refused for this test", (string?)status["runtimeDetails"]!["imageLayer"], StringComparison.Ordinal);
        }
        finally
        {
            host.OverlayProblem = null;
            (await fx.Http.DeleteAsync("api/v1/functions/image-readonly")).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task AnotherFunctionOfTheSameImage_GetsItsOwnCopy_AndCannotSeeTheOthersWrites()
    {
        await fx.DeployAsync(Attacker("image-a"));
        await fx.DeployAsync(Attacker("image-b"));

        var wrote = await AttackAsync("image-a", "write?path=/app/secret-of-a");
        var seen = await AttackAsync("image-b", "read?path=/app/secret-of-a");
        var mapA = (string?)(await AttackAsync("image-a", "run?argv=cat&argv=/proc/self/uid_map"))["output"];
        var mapB = (string?)(await AttackAsync("image-b", "run?argv=cat&argv=/proc/self/uid_map"))["output"];

        Assert.True((bool)wrote["ok"]!);
        Assert.False((bool)seen["ok"]!, seen.ToJsonString());
        // Different uid ranges on the host: the same image is unpacked once for each.
        Assert.False(string.IsNullOrWhiteSpace(mapA));
        Assert.NotEqual(mapA, mapB);
    }

    [Fact]
    public async Task IdleMode_FreezesAnImageInstance_ItsCpuTimeStops_AndTheNextRequestThawsIt()
    {
        await fx.DeployAsync(ImageServerFixture.ImageOnly("image-idle"));
        using (var put = await fx.Http.PutAsync("api/v1/functions/image-idle/provision",
                   new StringContent("""{"defaultTarget": 1, "alwaysAllocateCPU": false}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await ServerFixture.Until(async () => (await fx.InstancesAsync("image-idle")) is [{ State: "Frozen" }], "a frozen image instance", seconds: 120);
        var instance = (await fx.InstancesAsync("image-idle")).Single();
        var before = CpuTicks(instance.Pid!.Value);
        await Task.Delay(1000);
        var after = CpuTicks(instance.Pid!.Value);
        Assert.Equal(before, after);

        var spin = JsonNode.Parse(await fx.Http.GetStringAsync("fn/image-idle/spin?ms=200"))!;

        Assert.Equal(instance.Id, (string?)spin["instance"]);
        Assert.True(CpuTicks(instance.Pid!.Value) > after, "it ran again once thawed");
    }

    [Fact]
    public async Task AnImageOnlySpec_WhoseImageIsNotInTheStore_IsRefused_WithTheLinesThatFixIt()
    {
        const string reference = "registry.example.com/ns/never-loaded:v1";

        using var response = await fx.Http.PutAsJsonAsync("api/v1/functions/not-loaded", ImageServerFixture.ImageOnly("not-loaded", reference), JsonDefaults.Options);

        var error = JsonSerializer.Deserialize<ErrorBody>(await response.Content.ReadAsStringAsync(), JsonDefaults.Options)!;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ImageNotFound", error.Code);
        Assert.Contains("stasis images load", error.Message, StringComparison.Ordinal);
        Assert.Contains($"stasis images pull {reference}", error.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await fx.Http.GetAsync("api/v1/functions/not-loaded")).StatusCode);
    }

    [Fact]
    public async Task ASpecWithACommand_WhoseImageIsNotInTheStore_RunsTheCommand_AndSaysSoAtDeploy()
    {
        var spec = ServerFixture.Echo("command-fallback") with
        {
            CustomContainerConfig = ServerFixture.Echo("x").CustomContainerConfig! with { Image = "registry.example.com/ns/not-here:v1" },
        };

        using var response = await fx.Http.PutAsJsonAsync("api/v1/functions/command-fallback", spec, JsonDefaults.Options);
        var result = JsonSerializer.Deserialize<DeployResult>(await response.Content.ReadAsStringAsync(), JsonDefaults.Options)!;
        var environ = JsonNode.Parse(await fx.Http.GetStringAsync("fn/command-fallback/environ"))!;

        Assert.True(response.IsSuccessStatusCode);
        Assert.Contains(result.Notices, n => n.Contains("not-here:v1 is not in the server's store", StringComparison.Ordinal) && n.Contains("runs its command", StringComparison.Ordinal));
        Assert.Null((string?)environ["IMAGE_VAR"]);
        Assert.Null((await fx.InstancesAsync("command-fallback")).Single().Image);
    }

    [Fact]
    public async Task AnEntrypointThatDoesNotExist_FailsTheStart_NamingIt()
    {
        const string reference = "registry.example.com/ns/bad-entrypoint:v1";
        await LoadVariantAsync(reference, "--config.entrypoint", "/usr/local/bin/no-such-server", "--clear=config.cmd");

        var error = await StartFailureAsync(ImageServerFixture.ImageOnly("bad-entrypoint", reference));

        Assert.Contains("'/usr/local/bin/no-such-server'", error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnImageThatNeverOpensThePort_FailsWithinItsInitializerTimeout()
    {
        var spec = ImageServerFixture.ImageOnly("never-listens") with
        {
            CustomContainerConfig = new CustomContainerConfig { Image = TestImages.Reference, Command = ["-c", "import time; time.sleep(3600)"], Port = 9000 },
            InstanceLifecycleConfig = new InstanceLifecycleConfig { Initializer = new LifecycleHook { Handler = "init", Timeout = 2 } },
        };

        var error = await StartFailureAsync(spec);

        Assert.Contains("did not open port 9000", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUserThatCannotReadItsWorkingDirectory_FailsTheStart_SayingSo()
    {
        const string reference = "registry.example.com/ns/bad-user:v1";
        await LoadVariantAsync(reference, "--config.user", "1000:1000", "--config.workingdir", "/root");

        var error = await StartFailureAsync(ImageServerFixture.ImageOnly("bad-user", reference));

        Assert.Contains("cannot read its working directory /root", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUserTheImageDoesNotHave_FailsTheStart_SayingSo()
    {
        const string reference = "registry.example.com/ns/no-such-user:v1";
        await LoadVariantAsync(reference, "--config.user", "app");

        var error = await StartFailureAsync(ImageServerFixture.ImageOnly("no-such-user", reference));

        Assert.True(error.Contains("user 'app' is not in the image's /etc/passwd", StringComparison.Ordinal), error);
    }

    private const int DiskMb = 64;

    // The attacker test function, inserted into the image at /attacker: the spec's command replaces the image's Cmd.
    private static FunctionSpec Attacker(string name) => ImageServerFixture.ImageOnly(name) with
    {
        DiskSize = DiskMb,
        CustomContainerConfig = new CustomContainerConfig { Image = TestImages.Reference, Command = ["/attacker/app.py"], Port = 9000 },
        InstanceLifecycleConfig = new InstanceLifecycleConfig { Initializer = new LifecycleHook { Handler = "init", Timeout = 30 } },
    };

    private async Task<JsonObject> AttackAsync(string function, string pathAndQuery)
    {
        using var response = await fx.Http.GetAsync($"fn/{function}/{pathAndQuery}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{pathAndQuery}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task LoadVariantAsync(string reference, params string[] config)
    {
        var archive = await TestImages.ArchiveAsync(fx.Archives, reference, docker: false, config);
        using var response = await fx.LoadAsync(archive);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    // Deploys, invokes once (the start fails) and gives the instance's error as the API shows it.
    private async Task<string> StartFailureAsync(FunctionSpec spec)
    {
        await fx.DeployAsync(spec);
        using (var invoke = await fx.Http.GetAsync($"fn/{spec.FunctionName}/invoke"))
        {
            Assert.False(invoke.IsSuccessStatusCode);
        }

        string? error = null;
        await ServerFixture.Until(async () => (error = (await fx.InstancesAsync(spec.FunctionName!, all: true)).Select(i => i.Error).FirstOrDefault(e => e is not null)) is not null,
            "a failed start", seconds: 60);
        (await fx.Http.DeleteAsync($"api/v1/functions/{spec.FunctionName}")).EnsureSuccessStatusCode();
        return error!;
    }

    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
