using System.Globalization;

namespace Stasis.Server.Hosting;

/// <summary>
/// The keys of the config file's <c>limits</c> section, each tied to its <see cref="ServerLimits"/> property and its
/// server option, with its unit, range and default. One table, so the file, the options and the messages agree.
/// </summary>
internal static class LimitKeys
{
    /// <param name="Name">The key in the config file's <c>limits</c> section.</param>
    /// <param name="Option">The <c>stasis server</c> option that sets it.</param>
    /// <param name="Unit">What a number of it counts, as the file takes it.</param>
    /// <param name="Whole">Whether only whole numbers make sense.</param>
    /// <param name="Off">Whether 0 is allowed besides the range, and turns the limit off.</param>
    /// <param name="Default">The default; NaN where the server works it out when it starts (the connection caps, from the open-file limit).</param>
    public sealed record Key(string Name, string Option, string Unit, double Min, double Max, double Default, bool Whole, bool Off,
        Func<ServerLimits, double?> Get, Func<ServerLimits, double, ServerLimits> Set)
    {
        /// <summary>Null when <paramref name="value"/> is allowed, else what is wrong, for a message after the key.</summary>
        public string? Problem(double value)
        {
            if (Off && value == 0)
            {
                return null;
            }

            if (double.IsFinite(value) && value >= Min && value <= Max && (!Whole || value == Math.Floor(value)))
            {
                return null;
            }

            return $"is {Show(value)}; it must be {(Whole ? "a whole number" : "a number")} of {Unit} from {Show(Min)} to {Show(Max)}{(Off ? " (or 0 to turn it off)" : "")}";
        }
    }

    public static readonly Key MaxRequestHeadersBytes = new("maxRequestHeadersBytes", "--max-header-size", "bytes", 1024, 1024 * 1024, 32 * 1024, true, false,
        l => l.MaxRequestHeadersBytes, (l, v) => l with { MaxRequestHeadersBytes = (int)v });

    public static readonly Key MaxRequestHeaderCount = new("maxRequestHeaderCount", "--max-headers", "headers", 1, 10_000, 100, true, false,
        l => l.MaxRequestHeaderCount, (l, v) => l with { MaxRequestHeaderCount = (int)v });

    public static readonly Key RequestHeadersTimeout = new("requestHeadersTimeoutSeconds", "--headers-timeout", "seconds", 1, 600, 30, false, false,
        l => l.RequestHeadersTimeout?.TotalSeconds, (l, v) => l with { RequestHeadersTimeout = TimeSpan.FromSeconds(v) });

    public static readonly Key KeepAliveTimeout = new("keepAliveTimeoutSeconds", "--keep-alive-timeout", "seconds", 1, 3600, 130, false, false,
        l => l.KeepAliveTimeout?.TotalSeconds, (l, v) => l with { KeepAliveTimeout = TimeSpan.FromSeconds(v) });

    public static readonly Key MinRequestBodyBytesPerSecond = new("minRequestBodyBytesPerSecond", "--min-request-rate", "bytes per second", 1, 1e9, 240, false, true,
        l => l.MinRequestBodyBytesPerSecond, (l, v) => l with { MinRequestBodyBytesPerSecond = v });

    public static readonly Key MinResponseBytesPerSecond = new("minResponseBytesPerSecond", "--min-response-rate", "bytes per second", 1, 1e9, 240, false, true,
        l => l.MinResponseBytesPerSecond, (l, v) => l with { MinResponseBytesPerSecond = v });

    // Kestrel checks rates once a second, and refuses a grace that is not longer than that.
    public static readonly Key MinDataRateGrace = new("minDataRateGraceSeconds", "--min-rate-grace", "seconds", 2, 600, 5, false, false,
        l => l.MinDataRateGrace?.TotalSeconds, (l, v) => l with { MinDataRateGrace = TimeSpan.FromSeconds(v) });

    public static readonly Key MaxInstancesTotal = new("maxInstancesTotal", "--max-instances-total", "instances", 1, 100_000, 256, true, false,
        l => l.MaxInstancesTotal, (l, v) => l with { MaxInstancesTotal = (int)v });

    public static readonly Key MaxConnections = new("maxConnections", "--max-connections", "connections", 16, 10_000_000, double.NaN, true, false,
        l => l.MaxConnections, (l, v) => l with { MaxConnections = (int)v });

    public static readonly Key MaxConnectionsPerAddress = new("maxConnectionsPerAddress", "--max-connections-per-address", "connections", 1, 10_000_000, double.NaN, true, false,
        l => l.MaxConnectionsPerAddress, (l, v) => l with { MaxConnectionsPerAddress = (int)v });

    public static readonly IReadOnlyList<Key> All =
    [
        MaxRequestHeadersBytes, MaxRequestHeaderCount, RequestHeadersTimeout, KeepAliveTimeout,
        MinRequestBodyBytesPerSecond, MinResponseBytesPerSecond, MinDataRateGrace, MaxInstancesTotal,
        MaxConnections, MaxConnectionsPerAddress,
    ];

    public static Key? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary><paramref name="over"/>'s values where it has them, else <paramref name="under"/>'s.</summary>
    public static ServerLimits Merge(ServerLimits over, ServerLimits under)
    {
        var merged = under;
        foreach (var key in All)
        {
            if (key.Get(over) is { } value)
            {
                merged = key.Set(merged, value);
            }
        }

        return merged;
    }

    /// <summary>Every key set: the defaults where <paramref name="limits"/> has none (those worked out at start-up stay null).</summary>
    public static ServerLimits WithDefaults(ServerLimits limits) =>
        All.Aggregate(limits, (l, key) => key.Get(l) is null && !double.IsNaN(key.Default) ? key.Set(l, key.Default) : l);

    private static string Show(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
