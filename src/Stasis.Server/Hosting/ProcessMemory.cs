using System.Globalization;

namespace Stasis.Server.Hosting;

/// <summary>The server process's resident memory as Linux counts it (<c>/proc/self/status</c>); null elsewhere.</summary>
internal static class ProcessMemory
{
    private const string StatusFile = "/proc/self/status";

    /// <summary>VmRSS: every resident page (anonymous, file-backed and shared).</summary>
    public static long? ResidentBytes() => Read("VmRSS:");

    /// <summary>RssAnon: resident anonymous pages, the GC heap and the native heap among them.</summary>
    public static long? ResidentAnonymousBytes() => Read("RssAnon:");

    /// <summary>The value of one <c>kB</c> line of <c>/proc/self/status</c>, in bytes.</summary>
    internal static long? Read(string key)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            foreach (var line in File.ReadLines(StatusFile))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    return Parse(line.AsSpan(key.Length));
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>"   123456 kB" as bytes; null when it is not that.</summary>
    internal static long? Parse(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        if (!value.EndsWith(" kB", StringComparison.Ordinal))
        {
            return null;
        }

        return long.TryParse(value[..^3].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
    }
}
