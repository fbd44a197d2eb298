using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Images;

/// <summary>
/// <c>images pull</c> against a real registry on loopback (Debian's docker-registry, with htpasswd
/// authentication), the credentials read from an auth.json as skopeo login writes it.
/// </summary>
[Collection("images")]
public sealed class ImagePullTests(ImageServerFixture fx) : IAsyncLifetime
{
    private const string User = "stasis";
    private const string Password = "pull-secret-1";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "stasis-registry-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _registry;
    private string _address = "";

    [Fact]
    public async Task Pull_WithTheAuthFilesCredentials_BringsTheImageIn_AndAnImageOnlyFunctionRunsIt()
    {
        var reference = $"{_address}/ns/pulled:v1";
        await WriteAuthFileAsync();

        using var response = await PullAsync(reference, tlsVerify: false);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var image = (await response.Content.ReadFromJsonAsync<ImageInfo>(JsonDefaults.Options))!;
        Assert.Contains(reference, image.References); // the same manifest as the loaded echo image: one image, both names
        Assert.Equal($"pull {reference}", image.Source);
        await fx.DeployAsync(ImageServerFixture.ImageOnly("pulled", reference));
        var environ = JsonNode.Parse(await fx.Http.GetStringAsync("fn/pulled/environ"))!;
        Assert.Equal("from-image", (string?)environ["IMAGE_VAR"]);
        (await fx.Http.DeleteAsync("api/v1/functions/pulled")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Pull_WithoutCredentials_OrOverTlsFromAPlainHttpRegistry_FailsWithWhatToDo()
    {
        File.Delete(fx.AuthFile);

        using var unauthorized = await PullAsync($"{_address}/ns/pulled:v1", tlsVerify: false);
        await WriteAuthFileAsync();
        using var tls = await PullAsync($"{_address}/ns/pulled:v1", tlsVerify: true);
        using var missing = await PullAsync($"{_address}/ns/never-pushed:v1", tlsVerify: false);

        var noCredentials = await ErrorAsync(unauthorized);
        Assert.Equal(HttpStatusCode.BadGateway, unauthorized.StatusCode);
        Assert.Equal("ImagePullFailed", noCredentials.Code);
        Assert.Contains("Log in first", noCredentials.Message, StringComparison.Ordinal);
        var plainHttp = await ErrorAsync(tls);
        Assert.Equal(HttpStatusCode.BadGateway, tls.StatusCode);
        Assert.Contains("--tls-verify=false", plainHttp.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadGateway, missing.StatusCode);
        Assert.Contains("never-pushed", (await ErrorAsync(missing)).Message, StringComparison.Ordinal);
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var port = FreePort();
        _address = $"127.0.0.1:{port}";
        var htpasswd = await TestImages.RunAsync("htpasswd", ["-Bbn", User, Password]);
        await File.WriteAllTextAsync(Path.Combine(_directory, "htpasswd"), htpasswd);
        var config = Path.Combine(_directory, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: {_directory}/data
            http:
              addr: {_address}
            auth:
              htpasswd:
                realm: stasis-tests
                path: {_directory}/htpasswd
            """);
        var psi = new ProcessStartInfo("/usr/bin/docker-registry", ["serve", config]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _registry = Process.Start(psi)!;
        _registry.OutputDataReceived += (_, _) => { };
        _registry.ErrorDataReceived += (_, _) => { };
        _registry.BeginOutputReadLine();
        _registry.BeginErrorReadLine();
        using var http = new HttpClient();
        await ServerFixture.Until(async () =>
        {
            try
            {
                using var answer = await http.GetAsync($"http://{_address}/v2/");
                return answer.StatusCode == HttpStatusCode.Unauthorized;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the registry answers");
        await TestImages.PushAsync(fx.Archive, $"{_address}/ns/pulled:v1", $"{User}:{Password}");
    }

    public async Task DisposeAsync()
    {
        if (_registry is { HasExited: false })
        {
            _registry.Kill();
            await _registry.WaitForExitAsync();
        }

        _registry?.Dispose();
        File.Delete(fx.AuthFile);
        Directory.Delete(_directory, recursive: true);
    }

    private Task WriteAuthFileAsync() => File.WriteAllTextAsync(fx.AuthFile, JsonSerializer.Serialize(new
    {
        auths = new Dictionary<string, object> { [_address] = new { auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")) } },
    }));

    private Task<HttpResponseMessage> PullAsync(string reference, bool tlsVerify) =>
        fx.Http.PostAsJsonAsync("api/v1/images/pull", new PullImageRequest { Reference = reference, TlsVerify = tlsVerify }, JsonDefaults.Options);

    private static async Task<ErrorBody> ErrorAsync(HttpResponseMessage response) =>
        JsonSerializer.Deserialize<ErrorBody>(await response.Content.ReadAsStringAsync(), JsonDefaults.Options)!;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
