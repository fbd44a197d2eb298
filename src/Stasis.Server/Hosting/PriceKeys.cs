using Stasis.Client.Model;

namespace Stasis.Server.Hosting;

/// <summary>The keys of the config file's <c>prices</c> section, each tied to its <see cref="Prices"/> property.</summary>
internal static class PriceKeys
{
    public sealed record Key(string Name, Func<Prices, decimal> Get, Func<Prices, decimal, Prices> Set);

    public static readonly IReadOnlyList<Key> All =
    [
        new("cuPriceUsd", p => p.CuPriceUsd, (p, v) => p with { CuPriceUsd = v }),
        new("gpuActiveCuPerGbSecond", p => p.GpuActiveCuPerGbSecond, (p, v) => p with { GpuActiveCuPerGbSecond = v }),
        new("gpuIdleCuPerGbSecond", p => p.GpuIdleCuPerGbSecond, (p, v) => p with { GpuIdleCuPerGbSecond = v }),
        new("vcpuActiveCuPerSecond", p => p.VcpuActiveCuPerSecond, (p, v) => p with { VcpuActiveCuPerSecond = v }),
        new("vcpuIdleCuPerSecond", p => p.VcpuIdleCuPerSecond, (p, v) => p with { VcpuIdleCuPerSecond = v }),
        new("memoryActiveCuPerGbSecond", p => p.MemoryActiveCuPerGbSecond, (p, v) => p with { MemoryActiveCuPerGbSecond = v }),
        new("memoryIdleCuPerGbSecond", p => p.MemoryIdleCuPerGbSecond, (p, v) => p with { MemoryIdleCuPerGbSecond = v }),
    ];

    public static Key? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>The first negative price, as <c>prices.KEY</c>, or null when all are zero or more.</summary>
    public static string? FirstNegative(Prices prices) =>
        All.FirstOrDefault(k => k.Get(prices) < 0) is { } key ? $"prices.{key.Name} is {key.Get(prices)}" : null;
}
