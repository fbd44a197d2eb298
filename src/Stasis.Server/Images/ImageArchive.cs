using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Stasis.Server.Images;

/// <summary>Which kind of archive an image file is, for skopeo's transport name.</summary>
internal enum ImageArchiveKind
{
    /// <summary>An OCI image layout in a tar (<c>oci-archive:</c>).</summary>
    Oci,
    /// <summary><c>docker save</c> output (<c>docker-archive:</c>).</summary>
    Docker,
}

/// <summary>
/// What an archive holds, read from its index (<c>index.json</c> of an OCI archive, <c>manifest.json</c> of
/// a <c>docker save</c> tarball): its kind and the references it names. The layers are skopeo's business.
/// </summary>
internal sealed record ImageArchive(ImageArchiveKind Kind, IReadOnlyList<string> References)
{
    public string Transport(string path) => (Kind == ImageArchiveKind.Oci ? "oci-archive:" : "docker-archive:") + path;

    /// <summary>Reads the archive's index; throws <see cref="ImageException"/> when the file is not an image archive.</summary>
    public static ImageArchive Inspect(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Stream stream = file;
            var magic = new byte[2];
            var read = file.Read(magic);
            file.Position = 0;
            if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                stream = new GZipStream(file, CompressionMode.Decompress);
            }

            using (stream)
            {
                return ReadIndex(stream, path);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or JsonException)
        {
            throw NotAnArchive(path, e.Message);
        }
    }

    private static ImageArchive ReadIndex(Stream stream, string path)
    {
        using var tar = new TarReader(stream);
        var sawLayout = false;
        string? ociIndex = null;
        string? dockerManifest = null;
        while (tar.GetNextEntry() is { } entry)
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
            {
                continue;
            }

            switch (name)
            {
                case "oci-layout":
                    sawLayout = true;
                    break;
                case "index.json":
                    ociIndex = ReadSmall(entry.DataStream);
                    break;
                case "manifest.json":
                    dockerManifest = ReadSmall(entry.DataStream);
                    break;
            }
        }

        if (dockerManifest is not null)
        {
            using var manifest = JsonDocument.Parse(dockerManifest);
            var refs = manifest.RootElement.EnumerateArray()
                .SelectMany(image => image.TryGetProperty("RepoTags", out var tags) && tags.ValueKind == JsonValueKind.Array ? tags.EnumerateArray() : Enumerable.Empty<JsonElement>())
                .Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToArray();
            return new ImageArchive(ImageArchiveKind.Docker, refs);
        }

        if (sawLayout && ociIndex is not null)
        {
            using var index = JsonDocument.Parse(ociIndex);
            var refs = index.RootElement.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array
                ? manifests.EnumerateArray()
                    .Select(m => m.TryGetProperty("annotations", out var a) && a.TryGetProperty("org.opencontainers.image.ref.name", out var n) ? n.GetString() : null)
                    .OfType<string>().ToArray()
                : [];
            return new ImageArchive(ImageArchiveKind.Oci, refs);
        }

        throw NotAnArchive(path, "it has neither an oci-layout with index.json nor a manifest.json");
    }

    private static string ReadSmall(Stream data)
    {
        using var reader = new StreamReader(data);
        var buffer = new char[1 << 20];
        var n = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, n);
    }

    private static ImageException NotAnArchive(string path, string why) => new(400, "InvalidImageArchive",
        $"'{path}' is not an image archive ({why}): give an OCI archive (skopeo copy ... oci-archive:FILE) or a docker save tarball; a truncated or corrupt file must be made again.");
}
