using System.Globalization;
using Stasis.Client.Model;

namespace Stasis.Cli.Output;

internal static class StatusView
{
    public static PropertyList Properties(ServerStatus s, Uri endpoint)
    {
        var items = new List<KeyValuePair<string, string>>
        {
            new("endpoint", endpoint.ToString().TrimEnd('/')),
            new("version", s.Version),
            new("listen", s.Listen),
            new("data", s.DataDirectory),
            new("runtime", s.Runtime),
        };
        items.AddRange(s.RuntimeDetails.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => new KeyValuePair<string, string>($"  {d.Key}", d.Value)));
        items.Add(new("functions", s.Functions.ToString(CultureInfo.InvariantCulture)));
        items.Add(new("instances", s.MaxInstancesTotal is { } limit
            ? string.Create(CultureInfo.InvariantCulture, $"{s.Instances} (limit {limit})")
            : s.Instances.ToString(CultureInfo.InvariantCulture)));
        return new PropertyList(items);
    }
}
