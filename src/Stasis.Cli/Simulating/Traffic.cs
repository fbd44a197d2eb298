using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>
/// The requests a run replays, from a trace file or generated: a fresh enumeration per run (<see cref="Requests"/>), the
/// functions they call, and what the output says about them.
/// </summary>
/// <param name="Source">The trace's path, or <c>poisson</c>.</param>
/// <param name="Kind">"Azure LLM trace", "Poisson traffic".</param>
/// <param name="Count">Requests in the trace; null for generated traffic, known only once a run has counted them.</param>
/// <param name="Span">The time the arrivals cover.</param>
/// <param name="Start">The trace's own first instant, when it has dates.</param>
/// <param name="ModelIsDefault">Whether <paramref name="Model"/> is the format's default rather than <c>--service-model</c>.</param>
internal sealed record Traffic(
    string Source,
    string Kind,
    IReadOnlyList<string> Functions,
    bool NamesFunctions,
    Func<IEnumerable<SimulatedRequest>> Requests,
    long? Count,
    TimeSpan Span,
    DateTimeOffset? Start,
    ServiceModel Model,
    bool ModelIsDefault,
    int BadRows = 0,
    int OutOfOrderRows = 0)
{
    public static Traffic FromTrace(Trace trace, SimulatedRequest[] requests, bool modelIsDefault) => new(
        trace.Source,
        TraceFormats.Title(trace.Format),
        trace.Functions,
        trace.NamesFunctions,
        () => requests,
        requests.Length,
        trace.Span,
        trace.Start,
        trace.Model,
        modelIsDefault,
        trace.BadRows,
        trace.OutOfOrderRows);

    public static Traffic FromPoisson(PoissonTraffic poisson, bool modelIsDefault) => new(
        "poisson",
        $"Poisson traffic, {ServiceModel.Number(poisson.RatePerSecond)} req/s per function",
        poisson.Names(),
        true,
        () => poisson,
        null,
        poisson.Duration,
        null,
        new ServiceModel.Fixed(poisson.ServiceMs),
        modelIsDefault);
}
