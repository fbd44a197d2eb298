using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Stasis.FunctionalTests.Runtime;

/// <summary>
/// Freeze and thaw latencies of one idle Python instance, for each freezer this host has. It reports
/// numbers and asserts none: timings depend on the machine and what else runs on it.
/// </summary>
public sealed class FreezeLatencyTests(ITestOutputHelper output) : IDisposable
{
    private const int Cycles = 300;
    private const int Warmup = 20;
    private readonly TestFunctions _functions = new();

    [SkippableTheory]
    [MemberData(nameof(ProcessRuntimeFreezeTests.Freezers), MemberType = typeof(ProcessRuntimeFreezeTests))]
    public async Task Freeze_and_thaw_latency_of_an_idle_instance(string kind)
    {
        var runtime = FrozenProcesses.RuntimeOrSkip(kind);

        await using var instance = await runtime.StartAsync(_functions.Launch(), CancellationToken.None);
        var freezes = new double[Cycles];
        var thaws = new double[Cycles];
        long thawAllocations = 0;
        for (var i = 0; i < Cycles; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await instance.FreezeAsync(CancellationToken.None);
            freezes[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            started = Stopwatch.GetTimestamp();
            var thaw = instance.ThawAsync(CancellationToken.None);
            thaws[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            // Counted only while the thaw runs on this thread, which it does where it completes synchronously;
            // and after a warm-up, which allocates once what later thaws reuse.
            if (i >= Warmup)
            {
                thawAllocations += GC.GetAllocatedBytesForCurrentThread() - allocated;
            }

            await thaw;
        }

        Assert.Equal(instance.ProcessId.ToString(), await ProcessRuntimeStartTests.GetAsync(instance, "ping"));
        output.WriteLine($"{kind}: {Cycles} cycles; freeze {Summary(freezes)}; thaw {Summary(thaws)}; {thawAllocations / (Cycles - Warmup)} bytes allocated per thaw");
    }

    public void Dispose() => _functions.Dispose();

    private static string Summary(double[] microseconds)
    {
        Array.Sort(microseconds);
        string At(double q) => microseconds[(int)Math.Min(microseconds.Length - 1, Math.Ceiling(q * microseconds.Length) - 1)]
            .ToString("0.0", CultureInfo.InvariantCulture);
        return $"median {At(0.5)} µs, p99 {At(0.99)} µs, max {At(1)} µs";
    }
}
