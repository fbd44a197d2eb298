using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Images;

[CollectionDefinition("images")]
public sealed class ImagesCollection : ICollectionFixture<ImageServerFixture>;

/// <summary>The image store through the API, with archives made by skopeo and umoci: load, list, remove, and what it refuses.</summary>
[Collection("images")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ImageStoreTests(ImageServerFixture fx)
{
    [Fact]
    public async Task ALoadedOciArchive_IsListedByItsDigest_WithTheReferenceAndConfigItNames()
    {
        var image = (await fx.ImagesAsync()).Single(i => i.References.Contains(TestImages.Reference));

        Assert.Equal(fx.Image.Digest, image.Digest);
        Assert.Matches("^sha256:[0-9a-f]{64}$", image.Digest);
        Assert.Equal($"linux/{Stasis.Server.Images.ImageConfig.HostArchitecture}", image.Platform);
        Assert.Equal(["python3"], image.Entrypoint);
        Assert.Equal(["/app/app.py"], image.Cmd);
        Assert.Equal("/app", image.WorkingDir);
        Assert.Equal([9000], image.ExposedPorts);
        Assert.True(image.SizeBytes > 10 << 20, $"{image.SizeBytes} bytes");
        // The store is root's alone: no other user of the host can read or change it.
        var store = Path.Combine(fx.DataDirectory, "images");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(store));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(store, "index.json")));
    }

    [Fact]
    public async Task ADockerSaveTarball_Loads_UnderTheReferenceItCarries()
    {
        const string reference = "registry.cn-hangzhou.aliyuncs.com/ns/docker-saved:v2";
        var archive = await TestImages.ArchiveAsync(fx.Archives, reference, docker: true);

        using var response = await fx.LoadAsync(archive);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var image = (await response.Content.ReadFromJsonAsync<ImageInfo>(JsonDefaults.Options))!;
        Assert.Equal([reference], image.References);
        Assert.Contains(await fx.ImagesAsync(), i => i.References.Contains(reference));
    }

    [Fact]
    public async Task ACorruptOrTruncatedArchive_IsRefused_AndTheStoreIsUnchanged()
    {
        var before = await fx.ImagesAsync();
        var garbage = Path.Combine(fx.Archives, "garbage.tar");
        await File.WriteAllBytesAsync(garbage, Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var truncated = Path.Combine(fx.Archives, "truncated.tar");
        var whole = await File.ReadAllBytesAsync(fx.Archive);
        await File.WriteAllBytesAsync(truncated, whole[..(whole.Length / 2)]);

        foreach (var path in new[] { garbage, truncated })
        {
            using var response = await fx.LoadAsync(path, "registry.example.com/bad/archive:v1");
            var error = await ErrorAsync(response);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("InvalidImageArchive", error.Code);
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before.Select(i => i.Digest).Order(), (await fx.ImagesAsync()).Select(i => i.Digest).Order());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(fx.DataDirectory, "images", "incoming")));
    }

    [Fact]
    public async Task AnImageForAnotherArchitecture_IsRefused_NamingBoth()
    {
        var other = Stasis.Server.Images.ImageConfig.HostArchitecture == "arm64" ? "amd64" : "arm64";
        var archive = await TestImages.ArchiveAsync(fx.Archives, "registry.example.com/ns/other-arch:v1", docker: false, "--architecture", other);

        using var response = await fx.LoadAsync(archive);

        var error = await ErrorAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ImagePlatformMismatch", error.Code);
        Assert.Contains($"linux/{other}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await fx.ImagesAsync(), i => i.References.Contains("registry.example.com/ns/other-arch:v1"));
    }

    [Fact]
    public async Task AnArchivePath_ThatIsMissingOrRelative_GetsAClearError()
    {
        using var missing = await fx.LoadAsync("/nonexistent/app.tar");
        using var relative = await fx.LoadAsync("app.tar");

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("does not exist", (await ErrorAsync(missing)).Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, relative.StatusCode);
        Assert.Contains("must be absolute", (await ErrorAsync(relative)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemovingAnImageInUse_IsRefused_NamingTheFunction_AndAllowedOnceItIsGone()
    {
        const string reference = "registry.example.com/ns/removable:v1";
        using (var load = await fx.LoadAsync(fx.Archive, reference))
        {
            Assert.True(load.IsSuccessStatusCode, await load.Content.ReadAsStringAsync());
        }

        await fx.DeployAsync(ImageServerFixture.ImageOnly("uses-removable", reference));

        using (var refused = await fx.Http.DeleteAsync($"api/v1/images/{reference}"))
        {
            var error = await ErrorAsync(refused);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("ImageInUse", error.Code);
            Assert.Contains("'uses-removable'", error.Message, StringComparison.Ordinal);
        }

        Assert.Contains("uses-removable", (await fx.ImagesAsync()).Single(i => i.References.Contains(reference)).UsedBy);
        (await fx.Http.DeleteAsync("api/v1/functions/uses-removable")).EnsureSuccessStatusCode();
        using (var removed = await fx.Http.DeleteAsync($"api/v1/images/{reference}"))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        // The reference is gone; the image itself stays for the other reference that names it.
        var images = await fx.ImagesAsync();
        Assert.DoesNotContain(images, i => i.References.Contains(reference));
        Assert.Contains(images, i => i.Digest == fx.Image.Digest && i.References.Contains(TestImages.Reference));
        using var again = await fx.Http.DeleteAsync($"api/v1/images/{reference}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Contains("images load", (await ErrorAsync(again)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReferencesThatAreNotReferences_AreRefused()
    {
        using var pull = await fx.Http.PostAsJsonAsync("api/v1/images/pull", new PullImageRequest { Reference = "Not A/Reference!" }, JsonDefaults.Options);
        using var load = await fx.LoadAsync(fx.Archive, "UPPER/case:v1");

        Assert.Equal(HttpStatusCode.BadRequest, pull.StatusCode);
        Assert.Equal("InvalidImageReference", (await ErrorAsync(pull)).Code);
        Assert.Equal(HttpStatusCode.BadRequest, load.StatusCode);
    }

    private static async Task<ErrorBody> ErrorAsync(HttpResponseMessage response)
    {
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return new ErrorBody((string)json["code"]!, (string)json["message"]!);
    }
}
