namespace Stasis.Server.Metrics;

/// <summary>The metrics archive, a port of the core: closed metric intervals per function (and instance).</summary>
internal interface IMetricsArchive
{
    void Write(IReadOnlyList<ClosedInterval> closed);

    /// <summary>The function's intervals in [from, to), with the instances' figures when asked.</summary>
    List<ClosedInterval> Read(string function, DateTimeOffset from, DateTimeOffset to, bool withInstances);

    bool HasFunction(string function);

    /// <summary>Removes intervals that ended before <paramref name="cutoff"/>; returns how many.</summary>
    int DeleteEndedBefore(DateTimeOffset cutoff);
}
