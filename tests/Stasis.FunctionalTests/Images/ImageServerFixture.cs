using System.Net.Http.Json;
using Stasis.Client.Model;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Images;

/// <summary>
/// A sandboxed server with the echo function's image loaded (<see cref="TestImages.Reference"/>), and a
/// directory of archives for the tests. Registry credentials for pulls come from <see cref="AuthFile"/>.
/// </summary>
public sealed class ImageServerFixture : ServerFixture, IAsyncLifetime
{
    public string Archives { get; } = Path.Combine(Path.GetTempPath(), "stasis-images-" + Guid.NewGuid().ToString("N")[..8]);

    public string AuthFile => Path.Combine(Archives, "auth.json");

    /// <summary>The OCI archive of the echo image.</summary>
    public string Archive { get; private set; } = "";

    public ImageInfo Image { get; private set; } = null!;

    /// <summary>The host has no GPU: a gpuConfig function deploys with a notice saying so.</summary>
    public bool GpuAbsent { get; private set; }

    protected override StasisServerOptions Configure(StasisServerOptions options) => options with { RegistryAuthFile = AuthFile };

    public new async Task InitializeAsync()
    {
        if (TestImages.Missing() is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        Directory.CreateDirectory(Archives);
        await base.InitializeAsync();
        var status = (await Http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!;
        var sandbox = status.RuntimeDetails.GetValueOrDefault("sandbox", "missing");
        GpuAbsent = status.RuntimeDetails.GetValueOrDefault("gpu", "none").StartsWith("none", StringComparison.Ordinal);
        if (!sandbox.StartsWith("runc", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"image functions need the sandbox, and it is {sandbox}: apt-get install -y runc golang-github-containers-common iptables (.ci/run does)");
        }

        Archive = await TestImages.ArchiveAsync(Archives);
        using var response = await LoadAsync(Archive);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Image = (await response.Content.ReadFromJsonAsync<ImageInfo>(JsonDefaults.Options))!;
    }

    public Task<HttpResponseMessage> LoadAsync(string path, string? reference = null) =>
        Http.PostAsJsonAsync("api/v1/images/load", new LoadImageRequest { Path = path, Reference = reference }, JsonDefaults.Options);

    public async Task<List<ImageInfo>> ImagesAsync() => (await Http.GetFromJsonAsync<List<ImageInfo>>("api/v1/images", JsonDefaults.Options))!;

    /// <summary>An image-only spec, as on FC: image and port, the echo function's hooks and trigger.</summary>
    public static FunctionSpec ImageOnly(string name, string image = TestImages.Reference) => Echo(name) with
    {
        Code = null,
        CustomContainerConfig = new CustomContainerConfig { Image = image, Port = 9000 },
    };

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(Archives, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
