using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>
/// How long an instance takes to become ready, by kind of workload (<c>--preset</c>). The figures are the activation times
/// that the seed publishes for Function Compute's GPU instances (OCR/NLP 0.5–1 s, Stable Diffusion 2 s, LLM 3 s; they grow
/// with the model), used here as the time from starting an instance to its first request. The thaw defaults to what a
/// CPU freezer costs: DESIGN.md measures ≈ 7 µs to thaw a process with cgroup.freeze, and the wake benchmark
/// (bench/README.md) holds what a thaw adds to p99 to at most 1 ms, so 1 ms is the upper bound used.
/// </summary>
internal sealed record WorkloadPreset(string Name, string Description, TimeDistribution ColdStart)
{
    public static readonly TimeDistribution DefaultThaw = TimeDistribution.Fixed(1);

    public static readonly TimeDistribution DefaultInitialize = TimeDistribution.Fixed(0);

    public static readonly IReadOnlyList<WorkloadPreset> All =
    [
        new("nlp", "the seed's activation time for NLP", new TimeDistribution(500, 1000)),
        new("ocr", "the seed's activation time for OCR", new TimeDistribution(500, 1000)),
        new("sd", "the seed's activation time for Stable Diffusion", TimeDistribution.Fixed(2000)),
        new("llm", "the seed's activation time for an LLM", TimeDistribution.Fixed(3000)),
    ];

    /// <summary>Without a preset: the NLP/OCR figures, the seed's smallest models.</summary>
    public static WorkloadPreset Default => All[0];

    public static WorkloadPreset Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new UsageException($"--preset '{name}' is not a preset; use {string.Join(", ", All.Select(p => p.Name))}");
}
