using System.Collections;
using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>
/// Synthetic traffic (<c>--synthetic poisson</c>): each of <see cref="Functions"/> functions receives an independent Poisson
/// stream of <see cref="RatePerSecond"/> requests per second for <see cref="Duration"/>. The streams are merged in time
/// order as they are enumerated, with a heap of each function's next arrival, so ten million requests cost no memory
/// beyond the heap. The same seed gives the same requests on every enumeration.
/// </summary>
internal sealed class PoissonTraffic : IEnumerable<SimulatedRequest>
{
    public PoissonTraffic(int functions, double ratePerSecond, TimeSpan duration, double serviceMs, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(functions, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(serviceMs);
        Functions = functions;
        RatePerSecond = ratePerSecond;
        Duration = duration;
        ServiceMs = serviceMs;
        Seed = seed;
    }

    public int Functions { get; }

    public double RatePerSecond { get; }

    public TimeSpan Duration { get; }

    public double ServiceMs { get; }

    public int Seed { get; }

    /// <summary>The mean number of requests: functions × rate × seconds.</summary>
    public double ExpectedCount => Functions * RatePerSecond * Duration.TotalSeconds;

    /// <summary><c>fn-0001</c> … <c>fn-1000</c>: the functions' names, as wide as the largest.</summary>
    public IReadOnlyList<string> Names()
    {
        var width = Functions.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        return Enumerable.Range(1, Functions).Select(i => "fn-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(Math.Max(width, 4), '0')).ToList();
    }

    public IEnumerator<SimulatedRequest> GetEnumerator()
    {
        var random = new Random(Seed);
        var end = Duration.Ticks;
        var meanGapTicks = TimeSpan.TicksPerSecond / RatePerSecond;
        var next = new PriorityQueue<int, long>(Functions);
        for (var f = 0; f < Functions; f++)
        {
            next.Enqueue(f, Gap(random, meanGapTicks));
        }

        while (next.TryPeek(out var function, out var at) && at < end)
        {
            yield return new SimulatedRequest(TimeSpan.FromTicks(at), function, ServiceMs);
            next.DequeueEnqueue(function, at + Gap(random, meanGapTicks));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>An exponential gap, at least one tick so that time moves on.</summary>
    private static long Gap(Random random, double meanTicks) => Math.Max(1, (long)(-Math.Log(1 - random.NextDouble()) * meanTicks));
}
