using System.Text.Json;
using Stasis.Client.Model;

namespace Stasis.Server.Hosting;

/// <summary>
/// Reads the server config file (<c>--config FILE</c>): JSON, comments and trailing commas allowed, with one
/// section today, <c>prices</c>. Strict on purpose: a misspelt key would otherwise bill at the default
/// price without a word, so an unknown key, a value that is not a number or a negative price stops the
/// server with a message naming the key. Example: <c>{"prices": {"gpuIdleCuPerGbSecond": 0.4}}</c>
/// keeps every default but the idle GPU price.
/// </summary>
internal static class ServerConfigFile
{
    private static readonly JsonDocumentOptions Reading = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary><paramref name="options"/> with the file's settings laid over them, checked; unchanged but checked when no file is set.</summary>
    public static StasisServerOptions Apply(StasisServerOptions options)
    {
        var prices = options.ConfigFile is { } path ? Read(path, options.Prices) : options.Prices;
        if (PriceKeys.FirstNegative(prices) is { } negative)
        {
            throw new StasisConfigException($"{Where(options.ConfigFile)}{negative}; prices cannot be negative.");
        }

        if (options.MeterHeartbeat < TimeSpan.FromMilliseconds(1))
        {
            throw new StasisConfigException($"the meter heartbeat must be at least 1 ms (it is {options.MeterHeartbeat}).");
        }

        return options with { Prices = prices };
    }

    /// <summary>The prices of the file at <paramref name="path"/>, over <paramref name="defaults"/>.</summary>
    public static Prices Read(string path, Prices defaults)
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

    private static Prices Parse(string path, JsonElement root, Prices prices)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new StasisConfigException($"{path}: the config must be a JSON object, like {{\"prices\": {{...}}}}.");
        }

        foreach (var section in root.EnumerateObject())
        {
            if (section.Name != "prices")
            {
                throw new StasisConfigException($"{path}: unknown key '{section.Name}'; the config file knows 'prices'.");
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

        return prices;
    }

    private static string Where(string? path) => path is null ? "" : $"{path}: ";
}
