using System.IO.Compression;
using Stasis.Client.Model;
using Stasis.Server.Functions;

namespace Stasis.Tests.Functions;

/// <summary>The bounds on what a code package may unpack to (the server's own files are what a zip bomb would fill).</summary>
public sealed class FunctionCodeTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "stasis-code-" + Guid.NewGuid().ToString("N")[..8]);

    public FunctionCodeTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Zip(int files, int bytesEach)
    {
        var path = Path.Combine(dir, "code.zip");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        for (var i = 0; i < files; i++)
        {
            using var stream = zip.CreateEntry($"f{i}", CompressionLevel.SmallestSize).Open();
            stream.Write(new byte[bytesEach]);
        }

        return path;
    }

    private static FunctionSpec Spec(string code) => new() { FunctionName = "f", Runtime = "custom.debian10", Code = code, CustomContainerConfig = new CustomContainerConfig { Entrypoint = ["./run"] } };

    [Fact]
    public void A_package_that_unpacks_beyond_the_bound_is_refused_and_leaves_nothing()
    {
        // 4 MB of zeros compress to a few KB: the bound counts what is written, not what the archive claims.
        var code = new FunctionCode(Path.Combine(dir, "unpacked"), maxUnpackedBytes: 3 << 20);

        var e = Assert.Throws<FunctionCodeException>(() => code.Prepare(Spec(Zip(4, 1 << 20)), []));

        Assert.Contains("unpacks to more than 3 MB", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(dir, "unpacked")));
    }

    [Fact]
    public void A_package_within_the_bound_unpacks_once_by_its_content()
    {
        var code = new FunctionCode(Path.Combine(dir, "unpacked"), maxUnpackedBytes: 3 << 20);
        var zip = Zip(2, 1 << 20);
        var notices = new List<string>();

        var first = code.Prepare(Spec(zip), notices);
        var second = code.Prepare(Spec(zip), []);

        Assert.Equal(first.Code, second.Code);
        Assert.Equal(2, Directory.EnumerateFiles(first.Code!).Count());
        Assert.Contains("(2 files, 2 MB)", Assert.Single(notices));
    }
}
