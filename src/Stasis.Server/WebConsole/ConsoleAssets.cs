using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Stasis.Server.WebConsole;

/// <summary>One file of the web console: its bytes, content type and a strong ETag, read once from the assembly.</summary>
internal sealed record ConsoleAsset(byte[] Content, string ContentType, string ETag);

/// <summary>
/// The web console's files, embedded in the server assembly at build time (no front-end build step and
/// nothing to install). Keyed by their path under <c>/console/</c>, e.g. <c>js/app.js</c>.
/// </summary>
internal static class ConsoleAssets
{
    private const string ResourcePrefix = "console/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<FrozenDictionary<string, ConsoleAsset>> All = new(Load);

    public static bool TryGet(string path, out ConsoleAsset asset) => All.Value.TryGetValue(path, out asset!);

    public static IEnumerable<string> Paths => All.Value.Keys;

    private static FrozenDictionary<string, ConsoleAsset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var files = new Dictionary<string, ConsoleAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var path = name[ResourcePrefix.Length..];
            files[path] = Read(assembly, name, path);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static ConsoleAsset Read(Assembly assembly, string resource, string path)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
        var etag = "\"" + Convert.ToHexString(SHA256.HashData(bytes), 0, 8).ToLowerInvariant() + "\"";
        return new ConsoleAsset(bytes, type, etag);
    }
}
