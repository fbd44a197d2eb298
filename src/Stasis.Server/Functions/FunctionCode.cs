using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Stasis.Client.Model;
using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Server.Functions;

/// <summary>
/// A function's code as FC takes it: a directory, or a .zip package that is unpacked once (by its content's
/// hash) under <c>DATA/code</c>, and for a custom runtime without a start command the <c>bootstrap</c> file
/// FC runs by default. The archive is untrusted: no entry may land outside its directory, a link may not
/// point out of it, and what it unpacks to is bounded.
/// </summary>
internal sealed class FunctionCode(string directory, long maxUnpackedBytes = FunctionCode.MaxUnpackedBytes)
{
    /// <summary>FC takes code packages up to 500 MB zipped; unpacked, a few times that.</summary>
    public const long MaxUnpackedBytes = 2L << 30;

    public const int MaxEntries = 100_000;

    private const int UnixTypeMask = 0xF000;
    private const int UnixLink = 0xA000;
    private const int UnixDirectory = 0x4000;

    public string Directory => directory;

    /// <summary>The spec to deploy: a zip's <c>code</c> becomes the directory it unpacks to.</summary>
    /// <exception cref="FunctionCodeException">The code cannot run as given; the message says what to change.</exception>
    public FunctionSpec Prepare(FunctionSpec spec, List<string> notices)
    {
        if (spec.Code is { Length: > 0 } code && File.Exists(code))
        {
            if (!IsZip(code))
            {
                throw Refuse(spec, $"its code {code} is a file, not a directory or a .zip archive: give the directory, or zip it");
            }

            var (unpacked, files, bytes) = Unpack(spec, code);
            notices.Add($"code {code} ({files} files, {Megabytes(bytes)}) runs from {unpacked}, unpacked by the server; redeploy after changing the archive.");
            spec = spec with { Code = unpacked };
        }

        if (FunctionRuntimes.StartsBootstrap(spec))
        {
            CheckBootstrap(spec, spec.Code!);
        }

        return spec;
    }

    /// <summary>The program a custom runtime without a command starts: <c>CODE/bootstrap</c>, as on FC.</summary>
    public static string BootstrapPath(string code) => Path.Combine(code, FunctionRuntimes.Bootstrap);

    private static void CheckBootstrap(FunctionSpec spec, string code)
    {
        var bootstrap = BootstrapPath(code);
        var what = $"runtime {spec.Runtime} with no customRuntimeConfig.command starts {FunctionRuntimes.Bootstrap} from the code (as on FC)";
        if (!File.Exists(bootstrap))
        {
            var nested = System.IO.Directory.Exists(code)
                ? System.IO.Directory.EnumerateFiles(code, FunctionRuntimes.Bootstrap, new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2 }).FirstOrDefault()
                : null;
            throw Refuse(spec, nested is null
                ? $"{what}, and {code} has no {FunctionRuntimes.Bootstrap}: add an executable {FunctionRuntimes.Bootstrap} that serves HTTP on $FC_SERVER_PORT, or set customRuntimeConfig.command"
                : $"{what}, and it is at {Path.GetRelativePath(code, nested)}, not at the code's root: zip or point code at the folder's contents, not the folder");
        }

        if ((FileModes.Get(bootstrap) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
        {
            throw Refuse(spec, $"{what}, and {bootstrap} is not executable: chmod +x it (and keep the mode when zipping)");
        }
    }

    private (string Path, int Files, long Bytes) Unpack(FunctionSpec spec, string archive)
    {
        var hash = Hash(archive);
        var target = Path.Combine(directory, hash);
        if (System.IO.Directory.Exists(target))
        {
            var existing = new DirectoryInfo(target).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
            return (target, existing.Count, existing.Sum(f => f.Length));
        }

        CreatePrivate(directory);
        var work = Path.Combine(directory, $".unpack-{Guid.NewGuid():N}");
        try
        {
            var (files, bytes) = Extract(spec, archive, work, maxUnpackedBytes);
            try
            {
                System.IO.Directory.Move(work, target);
            }
            catch (IOException) when (System.IO.Directory.Exists(target))
            {
                // Another deploy of the same archive unpacked it meanwhile; it is the same content.
                System.IO.Directory.Delete(work, recursive: true);
            }

            return (target, files, bytes);
        }
        catch
        {
            if (System.IO.Directory.Exists(work))
            {
                System.IO.Directory.Delete(work, recursive: true);
            }

            throw;
        }
    }

    private static (int Files, long Bytes) Extract(FunctionSpec spec, string archive, string work, long limit)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(archive);
        }
        catch (InvalidDataException e)
        {
            throw Refuse(spec, $"its code {archive} is not a readable zip archive ({e.Message}): zip the code directory again");
        }

        using (zip)
        {
            if (zip.Entries.Count > MaxEntries)
            {
                throw Refuse(spec, $"its code {archive} holds {zip.Entries.Count} entries, more than {MaxEntries}: leave out what the function does not need");
            }

            System.IO.Directory.CreateDirectory(work);
            FileModes.Set(work, Public | Executable);
            var root = Path.GetFullPath(work) + Path.DirectorySeparatorChar;
            long total = 0;
            var files = 0;
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName.Replace('\\', '/');
                var full = Path.GetFullPath(Path.Combine(work, name));
                if (Path.IsPathRooted(name) || !(full + Path.DirectorySeparatorChar).StartsWith(root, StringComparison.Ordinal))
                {
                    throw Refuse(spec, $"its code {archive} holds the entry '{entry.FullName}', which would unpack outside the code's directory: make the archive again with relative paths");
                }

                var unix = (int)((uint)entry.ExternalAttributes >> 16);
                if (name.EndsWith('/') || (unix & UnixTypeMask) == UnixDirectory)
                {
                    System.IO.Directory.CreateDirectory(full);
                    FileModes.Set(full, Public | Executable);
                    continue;
                }

                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                if ((unix & UnixTypeMask) == UnixLink)
                {
                    Link(spec, archive, entry, full, root);
                    continue;
                }

                if (File.Exists(full) || System.IO.Directory.Exists(full))
                {
                    throw Refuse(spec, $"its code {archive} holds '{entry.FullName}' twice: make the archive again");
                }

                using (var source = entry.Open())
                using (var output = new FileStream(full, FileMode.CreateNew, FileAccess.Write))
                {
                    total += CopyBounded(source, output, limit - total, limit, spec, archive);
                }

                // The zip's own mode where it has one (without setuid or others' write), else FC's default;
                // FC's default start must be executable even from an archive made without modes.
                var mode = (unix & 0x1FF) is var perms and not 0 ? (UnixFileMode)(perms & 0x1ED) | UnixFileMode.UserRead : Public;
                if (name == FunctionRuntimes.Bootstrap)
                {
                    mode |= Executable;
                }

                FileModes.Set(full, mode);
                files++;
            }

            return (files, total);
        }
    }

    private static void Link(FunctionSpec spec, string archive, ZipArchiveEntry entry, string full, string root)
    {
        if (entry.Length > 4096)
        {
            throw Refuse(spec, $"its code {archive} holds the link '{entry.FullName}' with a target over 4096 bytes: make the archive again");
        }

        using var reader = new StreamReader(entry.Open());
        var target = reader.ReadToEnd();
        var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, target));
        if (Path.IsPathRooted(target) || !(resolved + Path.DirectorySeparatorChar).StartsWith(root, StringComparison.Ordinal))
        {
            throw Refuse(spec, $"its code {archive} holds the link '{entry.FullName}' to {target}, outside the code's directory: replace it with the file it points to (zip -y keeps links, plain zip stores the file)");
        }

        File.CreateSymbolicLink(full, target);
    }

    private static long CopyBounded(Stream source, Stream output, long left, long limit, FunctionSpec spec, string archive)
    {
        var buffer = new byte[81920];
        long copied = 0;
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            copied += read;
            if (copied > left)
            {
                throw Refuse(spec, $"its code {archive} unpacks to more than {Megabytes(limit)}: leave out what the function does not need (models belong in an image or a mounted directory)");
            }

            output.Write(buffer, 0, read);
        }

        return copied;
    }

    private static bool IsZip(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("PK\u0003\u0004"u8)
            || FunctionRuntimes.IsZip(path);
    }

    private static string Hash(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file))[..32];
    }

    private static void CreatePrivate(string path)
    {
        System.IO.Directory.CreateDirectory(path);
        FileModes.Set(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string Megabytes(long bytes) => bytes >= 1 << 20
        ? (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB";

    private static FunctionCodeException Refuse(FunctionSpec spec, string problem) => new($"function '{spec.FunctionName}' cannot start: {problem}.");

    private const UnixFileMode Public = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode Executable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
}

/// <summary>A function's code cannot run as given (400 InvalidCode).</summary>
internal sealed class FunctionCodeException(string message) : Exception(message);
