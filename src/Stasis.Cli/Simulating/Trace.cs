using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>
/// A trace read into memory: its requests in arrival order, <see cref="SimulatedRequest.At"/> measured from the first,
/// <see cref="SimulatedRequest.Function"/> indexing <see cref="Functions"/>.
/// </summary>
/// <param name="Functions">The functions in order of first appearance; one, named after the file, when rows name none.</param>
/// <param name="NamesFunctions">Whether the rows name their functions (false: a trace of one function).</param>
/// <param name="Start">The first request's wall-clock time, when the trace has dates.</param>
/// <param name="BadRows">Rows skipped with <c>--skip-bad-rows</c>; <paramref name="FirstBadRow"/> says why the first was.</param>
/// <param name="OutOfOrderRows">Rows whose time is earlier than a row above them; the requests are sorted anyway.</param>
internal sealed record Trace(
    string Source,
    TraceFormat Format,
    ServiceModel Model,
    SimulatedRequest[] Requests,
    IReadOnlyList<string> Functions,
    bool NamesFunctions,
    DateTimeOffset? Start,
    int BadRows,
    string? FirstBadRow,
    int OutOfOrderRows)
{
    /// <summary>From the first request's arrival to the last one's.</summary>
    public TimeSpan Span => Requests.Length == 0 ? TimeSpan.Zero : Requests[^1].At;
}
