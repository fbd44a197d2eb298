using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.Server.Runtime.Process;
using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Server.Images;

/// <summary>
/// The server's container images (docs/images.md), kept by manifest digest with the references that name
/// them. skopeo brings an image in (from an archive or a registry) as an OCI layout of its own under
/// <c>layouts/HEX</c>; umoci unpacks it, once per digest and function uid range, under <c>rootfs/HEX-START</c>,
/// its files owned by that function's ids so that root of the instance's user namespace owns them as in the
/// image. Everything is root's: directories 0700, so nothing on the host but root reaches them, and
/// instances see an unpacked root file system only as the read-only lower layer of their own overlay.
/// </summary>
public sealed partial class ImageStore
{
    private static readonly TimeSpan ToolBound = TimeSpan.FromMinutes(30);
    private const string Tag = "image";
    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string? _authFile;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _unpacks = new(StringComparer.Ordinal);
    private List<ImageRecord> _images;

    public ImageStore(string directory, ILogger logger, TimeProvider time, string? authFile = null)
    {
        _directory = Path.GetFullPath(directory);
        _logger = logger;
        _time = time;
        _authFile = authFile;
        Skopeo = HostTools.Find("skopeo");
        Umoci = HostTools.Find("umoci");
        _images = ReadIndex();
    }

    public string Directory => _directory;

    internal string? Skopeo { get; }

    internal string? Umoci { get; }

    /// <summary>Null when images can be loaded and run here; else the tool that is missing and how to get it.</summary>
    public string? Problem => Skopeo is null || Umoci is null
        ? $"{string.Join(" and ", new[] { Skopeo is null ? "skopeo" : null, Umoci is null ? "umoci" : null }.OfType<string>())} not installed: apt-get install -y skopeo umoci"
        : null;

    private string IndexPath => Path.Combine(_directory, "index.json");

    private string Layout(string digest) => Path.Combine(_directory, "layouts", ImageReference.Hex(digest));

    private string RootfsRoot => Path.Combine(_directory, "rootfs");

    public IReadOnlyList<ImageRecord> All
    {
        get
        {
            lock (_gate)
            {
                return _images.ToArray();
            }
        }
    }

    /// <summary>The image a reference (normalized, as s.yaml gives it) or a digest (or its first 12+ hex digits) names; null when the store has none.</summary>
    public ImageRecord? Find(string referenceOrDigest)
    {
        var text = referenceOrDigest.Trim();
        lock (_gate)
        {
            if (ImageReference.IsDigest(text))
            {
                var hex = ImageReference.Hex(text);
                var matches = _images.Where(i => ImageReference.Hex(i.Digest).StartsWith(hex, StringComparison.Ordinal)).ToArray();
                if (matches.Length == 1)
                {
                    return matches[0];
                }
            }

            var reference = ImageReference.Normalize(text, out _);
            return reference is null ? null : _images.FirstOrDefault(i => i.References.Contains(reference, StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// Brings the image of an archive on the server's file system into the store. <paramref name="reference"/>
    /// names it (and picks it from a <c>docker save</c> tarball of several); without one it takes the
    /// references the archive gives.
    /// </summary>
    public async Task<ImageRecord> LoadAsync(string archivePath, string? reference, CancellationToken cancellationToken)
    {
        RequireTools();
        if (!Path.IsPathRooted(archivePath))
        {
            throw new ImageException(400, "InvalidImageArchive", $"the archive path '{archivePath}' must be absolute (it is read by the server).");
        }

        if (!File.Exists(archivePath))
        {
            throw new ImageException(400, "InvalidImageArchive", $"'{archivePath}' does not exist on the server's machine (or is not a file); give the path of an OCI archive or docker save tarball there.");
        }

        var archive = ImageArchive.Inspect(archivePath);
        var wanted = reference is null ? null : NormalizeOrThrow(reference);
        var references = wanted is not null ? [wanted] : archive.References.Select(r => ImageReference.Normalize(r, out _)).OfType<string>().Distinct().ToArray();
        if (references.Length == 0)
        {
            throw new ImageException(400, "ImageReferenceRequired",
                $"'{archivePath}' names no image reference (docker save of an image id, or an OCI archive tagged with a plain tag); give the one s.yaml uses: stasis images load {archivePath} --reference registry.example.com/ns/app:v1");
        }

        var source = archive.Transport(archivePath);
        if (archive.Kind == ImageArchiveKind.Docker && wanted is not null && archive.References.Any(r => ImageReference.Normalize(r, out _) == wanted))
        {
            source += ":" + wanted;
        }

        return await CopyInAsync(source, references, $"load {archivePath}", [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pulls an image from a registry this machine can reach, with the credentials of the usual auth.json (or the server's --registry-auth-file).</summary>
    public async Task<ImageRecord> PullAsync(string reference, bool tlsVerify, CancellationToken cancellationToken)
    {
        RequireTools();
        var normalized = NormalizeOrThrow(reference);
        var options = new List<string>();
        if (!tlsVerify)
        {
            options.Add("--src-tls-verify=false");
        }

        if (_authFile is not null)
        {
            options.AddRange(["--src-authfile", _authFile]);
        }

        return await CopyInAsync("docker://" + normalized, [normalized], $"pull {normalized}", options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes a reference, or by digest the image and all its references; the image's files go with its
    /// last reference. Refused while <paramref name="usersOf"/> names a function that runs it.
    /// </summary>
    public async Task<ImageRecord> RemoveAsync(string referenceOrDigest, Func<ImageRecord, IReadOnlyList<string>> usersOf, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var image = Find(referenceOrDigest) ?? throw NotFound(referenceOrDigest);
            var users = usersOf(image);
            if (users.Count > 0)
            {
                throw new ImageException(409, "ImageInUse",
                    $"image {image.References.FirstOrDefault() ?? image.Digest} is used by function{(users.Count == 1 ? "" : "s")} {string.Join(", ", users.Select(u => $"'{u}'"))}; remove or redeploy {(users.Count == 1 ? "it" : "them")} with another image first.");
            }

            var byDigest = ImageReference.IsDigest(referenceOrDigest.Trim());
            var reference = byDigest ? null : ImageReference.Normalize(referenceOrDigest, out _);
            var left = reference is null ? [] : image.References.Where(r => r != reference).ToArray();
            lock (_gate)
            {
                _images = left.Length == 0
                    ? _images.Where(i => i.Digest != image.Digest).ToList()
                    : _images.Select(i => i.Digest == image.Digest ? i with { References = left } : i).ToList();
            }

            WriteIndex();
            if (left.Length == 0)
            {
                DeleteFiles(image.Digest);
            }

            return image;
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>
    /// The image's root file system unpacked for a function's <paramref name="ids"/>: on first use umoci
    /// unpacks it (the first start waits for that), afterwards the same directory at once.
    /// </summary>
    internal Task<string> RootfsAsync(string digest, UidRange ids, CancellationToken cancellationToken)
    {
        var key = $"{ImageReference.Hex(digest)}-{ids.Start.ToString(CultureInfo.InvariantCulture)}";
        var target = Path.Combine(RootfsRoot, key);
        var rootfs = Path.Combine(target, "rootfs");
        if (System.IO.Directory.Exists(rootfs))
        {
            return Task.FromResult(rootfs);
        }

        var unpack = _unpacks.GetOrAdd(key, _ => new Lazy<Task<string>>(() => UnpackAsync(digest, ids, target)));
        var task = unpack.Value;
        // A failed unpack is not kept: the next start tries again.
        _ = task.ContinueWith(_ => _unpacks.TryRemove(KeyValuePair.Create(key, unpack)), CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task.WaitAsync(cancellationToken);
    }

    private async Task<string> UnpackAsync(string digest, UidRange ids, string target)
    {
        var layout = Layout(digest);
        if (!System.IO.Directory.Exists(layout))
        {
            throw new ImageException(404, "ImageNotFound", $"image {digest} is no longer in the store; load or pull it again.");
        }

        var work = Path.Combine(RootfsRoot, $".unpack-{Guid.NewGuid():N}");
        CreatePrivateDirectory(RootfsRoot);
        var started = Stopwatch.GetTimestamp();
        var map = $"0:{ids.Start.ToString(CultureInfo.InvariantCulture)}:{ids.Size.ToString(CultureInfo.InvariantCulture)}";
        try
        {
            // The root file system alone: Stasis writes the runtime config itself (umoci's would also refuse a User the image lacks, which the start reports better).
            System.IO.Directory.CreateDirectory(work);
            FileModes.Set(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var result = await HostCommand.RunAsync(Umoci!, ["raw", "unpack", "--uid-map", map, "--gid-map", map, "--image", $"{layout}:{Tag}", Path.Combine(work, "rootfs")], ToolBound).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new ImageException(500, "ImageUnpackFailed", $"umoci could not unpack image {digest}: {LastLine(result.Error)}");
            }

            ImageRootfs.PrepareMountPoints(Path.Combine(work, "rootfs"), ids);
            System.IO.Directory.Move(work, target);
        }
        catch (Exception e) when (e is HostCommandException or IOException or UnauthorizedAccessException)
        {
            TryDelete(work);
            if (System.IO.Directory.Exists(Path.Combine(target, "rootfs")))
            {
                return Path.Combine(target, "rootfs"); // another server unpacked it meanwhile
            }

            throw new ImageException(500, "ImageUnpackFailed", $"image {digest} could not be unpacked into {target}: {e.Message}", e);
        }
        catch
        {
            TryDelete(work);
            throw;
        }

        ImageStoreLog.Unpacked(_logger, ImageReference.Short(digest), ids.Start, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return Path.Combine(target, "rootfs");
    }

    private async Task<ImageRecord> CopyInAsync(string source, IReadOnlyList<string> references, string what, IReadOnlyList<string> options, CancellationToken cancellationToken)
    {
        CreatePrivateDirectory(_directory);
        var incoming = Path.Combine(_directory, "incoming");
        CreatePrivateDirectory(incoming);
        var work = Path.Combine(incoming, Guid.NewGuid().ToString("N"));
        var digestFile = work + ".digest";
        try
        {
            var copy = new List<string> { "copy", "--quiet", "--digestfile", digestFile };
            copy.AddRange(options);
            copy.AddRange([source, $"oci:{work}:{Tag}"]);
            var result = await RunSkopeoAsync(copy, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw CopyFailed(source, what, result.Error);
            }

            var digest = (await File.ReadAllTextAsync(digestFile, cancellationToken).ConfigureAwait(false)).Trim();
            var inspect = await RunSkopeoAsync(["inspect", "--config", $"oci:{work}:{Tag}"], cancellationToken).ConfigureAwait(false);
            if (inspect.ExitCode != 0)
            {
                throw new ImageException(400, "InvalidImage", $"the image of {what} has no readable config: {LastLine(inspect.Error)}");
            }

            ImageConfig config;
            try
            {
                config = ImageConfig.Parse(inspect.Output);
            }
            catch (JsonException e)
            {
                throw new ImageException(400, "InvalidImage", $"the image of {what} has a config that is not valid JSON: {e.Message}");
            }

            var host = ImageConfig.HostArchitecture;
            if (config.Os != "linux" || config.Architecture != host)
            {
                throw new ImageException(400, "ImagePlatformMismatch",
                    $"the image of {what} is for {config.Platform}; this server runs linux/{host} programs: load or pull the linux/{host} variant of it (skopeo copy --override-arch {host} ...).");
            }

            await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var layout = Layout(digest);
                CreatePrivateDirectory(Path.GetDirectoryName(layout)!);
                if (!System.IO.Directory.Exists(layout))
                {
                    System.IO.Directory.Move(work, layout);
                }

                var record = Add(digest, references, config, DirectorySize(layout), what);
                WriteIndex();
                ImageStoreLog.Added(_logger, ImageReference.Short(digest), string.Join(", ", references), what);
                return record;
            }
            finally
            {
                _writes.Release();
            }
        }
        finally
        {
            TryDelete(work);
            TryDeleteFile(digestFile);
        }
    }

    // A reference names one image: taken from any other it named before (as docker load re-tags). An image
    // left with no reference stays (a function may run it by digest) until it is removed.
    private ImageRecord Add(string digest, IReadOnlyList<string> references, ImageConfig config, long size, string what)
    {
        lock (_gate)
        {
            var previous = _images.FirstOrDefault(i => i.Digest == digest);
            var others = _images.Where(i => i.Digest != digest)
                .Select(i => i with { References = i.References.Except(references, StringComparer.Ordinal).ToArray() })
                .ToList();
            var record = new ImageRecord
            {
                Digest = digest,
                References = (previous?.References ?? []).Union(references, StringComparer.Ordinal).ToArray(),
                Config = config,
                SizeBytes = size,
                AddedAt = previous?.AddedAt ?? _time.GetUtcNow(),
                Source = what,
            };
            _images = others.Append(record).ToList();
            return record;
        }
    }

    private async Task<CommandResult> RunSkopeoAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await HostCommand.RunAsync(Skopeo!, arguments, ToolBound).ConfigureAwait(false);
        }
        catch (HostCommandException e)
        {
            throw new ImageException(500, "ImageToolFailed", e.Message, e);
        }
    }

    private static ImageException CopyFailed(string source, string what, string error)
    {
        var line = LastLine(error);
        if (source.StartsWith("docker://", StringComparison.Ordinal))
        {
            var hint = line.Contains("unauthorized", StringComparison.OrdinalIgnoreCase) || line.Contains("authentication required", StringComparison.OrdinalIgnoreCase)
                ? " Log in first (skopeo login REGISTRY writes the auth.json the server reads)."
                : line.Contains("http response to https client", StringComparison.OrdinalIgnoreCase)
                    ? " The registry speaks plain HTTP: pull with --tls-verify=false if you trust the network."
                    : "";
            return new ImageException(502, "ImagePullFailed", $"could not {what}: {line}.{hint}");
        }

        return new ImageException(400, "InvalidImageArchive", $"could not {what}: {line}; the archive is corrupt or truncated, or not an image: make it again.");
    }

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = lines.Length == 0 ? "no error output" : lines[^1];
        // skopeo's lines are logfmt: time="..." level=fatal msg="..."
        var msg = line.IndexOf("msg=\"", StringComparison.Ordinal);
        return msg >= 0 ? line[(msg + 5)..].TrimEnd('"').Replace("\\\"", "\"", StringComparison.Ordinal) : line;
    }

    private void RequireTools()
    {
        if (Problem is { } problem)
        {
            throw new ImageException(503, "ImageToolsMissing", $"images cannot be used on this server: {problem}.");
        }
    }

    private static string NormalizeOrThrow(string reference) =>
        ImageReference.Normalize(reference, out var problem) ?? throw new ImageException(400, "InvalidImageReference", problem!);

    internal static ImageException NotFound(string reference) => new(404, "ImageNotFound",
        $"image '{reference}' is not in the server's store: load it with `stasis images load FILE` or pull it with `stasis images pull {reference}`.");

    private void DeleteFiles(string digest)
    {
        TryDelete(Layout(digest));
        var hex = ImageReference.Hex(digest);
        if (System.IO.Directory.Exists(RootfsRoot))
        {
            foreach (var dir in System.IO.Directory.GetDirectories(RootfsRoot, hex + "-*"))
            {
                _unpacks.TryRemove(Path.GetFileName(dir), out _);
                TryDelete(dir);
            }
        }
    }

    private List<ImageRecord> ReadIndex()
    {
        try
        {
            if (!File.Exists(IndexPath))
            {
                return [];
            }

            return JsonSerializer.Deserialize<List<ImageRecord>>(File.ReadAllBytes(IndexPath), JsonDefaults.Options) ?? [];
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new ImageException(500, "ImageStoreUnreadable", $"the image store's index {IndexPath} cannot be read ({e.Message}); move it aside and load the images again.", e);
        }
    }

    private void WriteIndex()
    {
        CreatePrivateDirectory(_directory);
        var temporary = IndexPath + ".tmp";
        using (var file = FileModes.CreatePrivate(temporary))
        {
            JsonSerializer.Serialize(file, All, JsonDefaults.Options);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, IndexPath, overwrite: true);
    }

    private static void CreatePrivateDirectory(string path)
    {
        System.IO.Directory.CreateDirectory(path);
        FileModes.Set(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static long DirectorySize(string path) =>
        new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private static void TryDelete(string path)
    {
        try
        {
            if (System.IO.Directory.Exists(path))
            {
                System.IO.Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind; the next removal or load tries again.
        }
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind.
        }
    }
}
