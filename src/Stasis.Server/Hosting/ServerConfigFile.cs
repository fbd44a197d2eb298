using System.Text.Json;
using Stasis.Client.Model;
using Stasis.Server.Metrics;

namespace Stasis.Server.Hosting;

/// <summary>
/// Reads the server config file (<c>--config FILE</c>): JSON, comments and trailing commas allowed, with four
/// sections, <c>prices</c>, <c>metrics</c>, <c>auth</c> and <c>limits</c>. Strict on purpose: a misspelt key would otherwise bill at the default
/// price without a word, so an unknown key, a value that is not a number or a negative price stops the
/// server with a message naming the key. Example: <c>{"prices": {"gpuIdleCuPerGbSecond": 0.4}}</c>
/// keeps every default but the idle GPU price; <c>{"metrics": {"intervalSeconds": 10, "retentionDays": 7}}</c>
/// closes metrics intervals every 10 s and keeps them a week (an option given to the server wins over the file);
/// <c>{"auth": {"required": true}}</c> asks for an access key on loopback too;
/// <c>{"limits": {"maxInstancesTotal": 64}}</c> lets at most 64 instances live at once (<see cref="LimitKeys"/>).
/// </summary>
internal static class ServerConfigFile
{
    private static readonly JsonDocumentOptions Reading = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary><paramref name="options"/> with the file's settings laid over them, checked; unchanged but checked when no file is set.</summary>
    public static StasisServerOptions Apply(StasisServerOptions options)
    {
        var file = options.ConfigFile is { } path ? ReadSettings(path, options.Prices) : new Settings(options.Prices, null, null, null, new ServerLimits());
        var prices = file.Prices;
        if (PriceKeys.FirstNegative(prices) is { } negative)
        {
            throw new StasisConfigException($"{Where(options.ConfigFile)}{negative}; prices cannot be negative.");
        }

        if (options.MeterHeartbeat < TimeSpan.FromMilliseconds(1))
        {
            throw new StasisConfigException($"the meter heartbeat must be at least 1 ms (it is {options.MeterHeartbeat}).");
        }

        var interval = options.MetricsInterval ?? file.MetricsInterval ?? MetricsIntervals.Default;
        if (interval < MetricsIntervals.Min || interval > MetricsIntervals.Max)
        {
            var source = options.MetricsInterval is null ? $"{options.ConfigFile}: metrics.intervalSeconds" : "the metrics interval";
            throw new StasisConfigException($"{source} is {interval.TotalSeconds:0.###} s; it must be between 1 s and 3600 s.");
        }

        var retention = options.MetricsRetention ?? file.MetricsRetention ?? MetricsIntervals.DefaultRetention;
        if (retention < interval)
        {
            var source = options.MetricsRetention is null && file.MetricsRetention is not null ? $"{options.ConfigFile}: metrics.retentionDays" : "the metrics retention";
            throw new StasisConfigException($"{source} ({retention}) is shorter than the metrics interval ({interval}); metrics would be deleted as they are written.");
        }

        foreach (var key in LimitKeys.All)
        {
            if (key.Get(options.Limits) is { } value && key.Problem(value) is { } problem)
            {
                throw new StasisConfigException($"the server option {key.Option} (limits.{key.Name}) {problem}.");
            }
        }

        var limits = LimitKeys.WithDefaults(LimitKeys.Merge(options.Limits, file.Limits));
        return options with
        {
            Prices = prices, MetricsInterval = interval, MetricsRetention = retention, Limits = limits,
            RequireAuth = options.RequireAuth == true || file.RequireAuth == true,
            // The options' proxies, when given, replace the file's.
            TrustedProxies = options.TrustedProxies.Count > 0 ? options.TrustedProxies : file.TrustedProxies ?? [],
        };
    }

    /// <summary>The prices of the file at <paramref name="path"/>, over <paramref name="defaults"/>.</summary>
    public static Prices Read(string path, Prices defaults) => ReadSettings(path, defaults).Prices;

    /// <summary>What the file at <paramref name="path"/> sets: its prices over <paramref name="defaults"/>, and the metrics keys it has.</summary>
    private static Settings ReadSettings(string path, Prices defaults)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StasisConfigException($"cannot read the config file {path}: {e.Message}", e);
        }

        try
        {
            using var document = JsonDocument.Parse(text, Reading);
            return Parse(path, document.RootElement, defaults);
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? $" (line {l + 1})" : "";
            throw new StasisConfigException($"{path}: not valid JSON{line}: {e.Message}", e);
        }
    }

    private static Settings Parse(string path, JsonElement root, Prices prices)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new StasisConfigException($"{path}: the config must be a JSON object, like {{\"prices\": {{...}}}}.");
        }

        TimeSpan? interval = null, retention = null;
        bool? requireAuth = null;
        IReadOnlyList<string>? trustedProxies = null;
        var limits = new ServerLimits();
        foreach (var section in root.EnumerateObject())
        {
            if (section.Name == "metrics")
            {
                (interval, retention) = ParseMetrics(path, section.Value);
                continue;
            }

            if (section.Name == "auth")
            {
                (requireAuth, trustedProxies) = ParseAuth(path, section.Value);
                continue;
            }

            if (section.Name == "limits")
            {
                limits = ParseLimits(path, section.Value);
                continue;
            }

            if (section.Name != "prices")
            {
                throw new StasisConfigException($"{path}: unknown key '{section.Name}'; the config file knows 'prices', 'metrics', 'auth' and 'limits'.");
            }

            if (section.Value.ValueKind != JsonValueKind.Object)
            {
                throw new StasisConfigException($"{path}: 'prices' must be an object of unit prices.");
            }

            foreach (var item in section.Value.EnumerateObject())
            {
                var key = PriceKeys.Find(item.Name)
                    ?? throw new StasisConfigException($"{path}: unknown key 'prices.{item.Name}'; known: {string.Join(", ", PriceKeys.All.Select(k => k.Name))}.");
                if (item.Value.ValueKind != JsonValueKind.Number || !item.Value.TryGetDecimal(out var value))
                {
                    throw new StasisConfigException($"{path}: prices.{item.Name} must be a number, not {item.Value.GetRawText()}.");
                }

                if (value < 0)
                {
                    throw new StasisConfigException($"{path}: prices.{item.Name} is {value}; prices cannot be negative.");
                }

                prices = key.Set(prices, value);
            }
        }

        return new Settings(prices, interval, retention, requireAuth, limits, trustedProxies);
    }

    /// <summary>
    /// The <c>auth</c> section (docs/security.md): <c>required</c>, true or false; <c>trustedProxies</c>, the addresses or
    /// CIDR ranges whose X-Forwarded-For counts (docs/limits.md, "Connections").
    /// </summary>
    private static (bool? Required, IReadOnlyList<string>? TrustedProxies) ParseAuth(string path, JsonElement section)
    {
        if (section.ValueKind != JsonValueKind.Object)
        {
            throw new StasisConfigException($"{path}: 'auth' must be an object, like {{\"required\": true}}.");
        }

        bool? required = null;
        List<string>? proxies = null;
        foreach (var item in section.EnumerateObject())
        {
            if (item.Name == "trustedProxies")
            {
                if (item.Value.ValueKind != JsonValueKind.Array || item.Value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                {
                    throw new StasisConfigException($"{path}: auth.trustedProxies must be an array of addresses or CIDR ranges, like [\"10.0.0.5\", \"10.1.0.0/16\"], not {item.Value.GetRawText()}.");
                }

                proxies = item.Value.EnumerateArray().Select(e => e.GetString()!).ToList();
                try
                {
                    Connections.TrustedProxies.Parse(proxies);
                }
                catch (ArgumentException e)
                {
                    throw new StasisConfigException($"{path}: auth.trustedProxies: {e.Message.Replace("--trusted-proxy ", "", StringComparison.Ordinal)}");
                }

                continue;
            }

            if (item.Name != "required")
            {
                throw new StasisConfigException($"{path}: unknown key 'auth.{item.Name}'; known: required, trustedProxies.");
            }

            if (item.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw new StasisConfigException($"{path}: auth.required must be true or false, not {item.Value.GetRawText()}.");
            }

            required = item.Value.GetBoolean();
        }

        return (required, proxies);
    }

    /// <summary>The <c>limits</c> section: numbers in each key's unit, within its range (<see cref="LimitKeys"/>).</summary>
    private static ServerLimits ParseLimits(string path, JsonElement section)
    {
        if (section.ValueKind != JsonValueKind.Object)
        {
            throw new StasisConfigException($"{path}: 'limits' must be an object, like {{\"maxInstancesTotal\": 256}}.");
        }

        var limits = new ServerLimits();
        foreach (var item in section.EnumerateObject())
        {
            var key = LimitKeys.Find(item.Name)
                ?? throw new StasisConfigException($"{path}: unknown key 'limits.{item.Name}'; known: {string.Join(", ", LimitKeys.All.Select(k => k.Name))}.");
            if (item.Value.ValueKind != JsonValueKind.Number || !item.Value.TryGetDouble(out var value))
            {
                throw new StasisConfigException($"{path}: limits.{item.Name} must be a number of {key.Unit}, not {item.Value.GetRawText()}.");
            }

            if (key.Problem(value) is { } problem)
            {
                throw new StasisConfigException($"{path}: limits.{item.Name} {problem}.");
            }

            limits = key.Set(limits, value);
        }

        return limits;
    }

    /// <summary>The <c>metrics</c> section: <c>intervalSeconds</c> and <c>retentionDays</c>, positive numbers.</summary>
    private static (TimeSpan? Interval, TimeSpan? Retention) ParseMetrics(string path, JsonElement section)
    {
        if (section.ValueKind != JsonValueKind.Object)
        {
            throw new StasisConfigException($"{path}: 'metrics' must be an object, like {{\"intervalSeconds\": 60, \"retentionDays\": 31}}.");
        }

        TimeSpan? interval = null, retention = null;
        foreach (var item in section.EnumerateObject())
        {
            if (item.Name is not ("intervalSeconds" or "retentionDays"))
            {
                throw new StasisConfigException($"{path}: unknown key 'metrics.{item.Name}'; known: intervalSeconds, retentionDays.");
            }

            if (item.Value.ValueKind != JsonValueKind.Number || !item.Value.TryGetDouble(out var value) || value <= 0)
            {
                throw new StasisConfigException($"{path}: metrics.{item.Name} must be a positive number, not {item.Value.GetRawText()}.");
            }

            if (item.Name == "intervalSeconds")
            {
                interval = TimeSpan.FromSeconds(Math.Min(value, 1e9));
            }
            else
            {
                retention = TimeSpan.FromDays(Math.Min(value, 1e6));
            }
        }

        return (interval, retention);
    }

    private sealed record Settings(Prices Prices, TimeSpan? MetricsInterval, TimeSpan? MetricsRetention, bool? RequireAuth, ServerLimits Limits,
        IReadOnlyList<string>? TrustedProxies = null);

    private static string Where(string? path) => path is null ? "" : $"{path}: ";
}
