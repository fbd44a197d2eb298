using Stasis.Client.Model;
using Stasis.Server.Logs;
using Stasis.Server.Metering;
using Stasis.Server.Metrics;

namespace Stasis.Server.Storage;

/// <summary>
/// The <c>storage</c> part of <c>GET /api/v1/status</c>: the store's health and, from each writer, what waits
/// in memory for it and what had to be dropped.
/// </summary>
internal sealed class StorageReport(StoreHealth health, DeferredWrites deferred, MeterJournal meter, MetricsSampler metrics, FunctionLogBook logs)
{
    public StorageStatus Now()
    {
        var (fault, since, error) = health.Current;
        return new StorageStatus
        {
            State = fault switch
            {
                StoreFault.Busy => "busy",
                StoreFault.Full => "full",
                StoreFault.Damaged => "damaged",
                _ => "ok",
            },
            Since = since,
            Error = error,
            PendingWrites = deferred.Count,
            PendingMeterIntervals = meter.Pending,
            PendingMetricPoints = metrics.Unwritten,
            DroppedWrites = deferred.Dropped,
            LogLinesDropped = logs.DroppedLines,
        };
    }
}
