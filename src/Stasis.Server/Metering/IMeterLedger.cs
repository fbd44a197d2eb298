namespace Stasis.Server.Metering;

/// <summary>The meter ledger, a port of the core: billed intervals, written once, summed for the bill.</summary>
internal interface IMeterLedger
{
    /// <summary>Writes a batch of closed and open intervals at once (an open interval is rewritten as it grows).</summary>
    void Write(MeterBatch batch);

    /// <summary>The intervals left open by a server that stopped without closing them.</summary>
    IReadOnlyList<MeterInterval> Recover();

    /// <summary>Intervals overlapping [from, to), of one function or all (null).</summary>
    List<MeterInterval> Read(string? function, DateTimeOffset from, DateTimeOffset to);

    /// <summary>Active and idle time per instance over [from, to), of one function or all (null).</summary>
    List<MeterSum> Sum(string? function, DateTimeOffset from, DateTimeOffset to);

    bool HasFunction(string function);
}
