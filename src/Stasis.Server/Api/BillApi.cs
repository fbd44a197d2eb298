using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Hosting;
using Stasis.Server.Metering;

namespace Stasis.Server.Api;

/// <summary>
/// GET /api/v1/bill?function=NAME&amp;from=ISO&amp;to=ISO: the bill of one function (or all) over [from, to).
/// from defaults to the first interval billed, to to now; open intervals count up to now.
/// </summary>
internal static class BillApi
{
    public static void MapBillApi(this IEndpointRouteBuilder routes) => routes.MapGet("/api/v1/bill", Get);

    private static IResult Get(string? function, string? from, string? to, MeterJournal journal, FunctionRegistry registry, StasisServerOptions options)
    {
        if (!TryParseTime(from, "from", out var start, out var error) || !TryParseTime(to, "to", out var end, out error))
        {
            return error!;
        }

        if (start is { } f && end is { } t && f > t)
        {
            return InvalidRange(f, t);
        }

        function = string.IsNullOrEmpty(function) ? null : function;
        if (function is not null && FunctionNameFilter.Check(function) is { } invalid)
        {
            return invalid;
        }

        if (function is not null && !registry.TryGetDispatcher(function, out _) && !journal.Knows(function))
        {
            return ApiErrors.FunctionNotFound(function);
        }

        var reading = journal.Sum(function, start ?? DateTimeOffset.MinValue, end);
        var periodEnd = end ?? reading.Now;
        var periodStart = start ?? (reading.Sums.Count > 0 ? reading.Sums.Min(s => s.First) : periodEnd);
        if (periodStart > periodEnd)
        {
            return InvalidRange(periodStart, periodEnd); // from is in the future and to defaulted to now
        }

        return Results.Json(Bill.Compute(reading.Sums, periodStart, periodEnd, options.Prices, function), JsonDefaults.Options);
    }

    private static bool TryParseTime(string? text, string name, out DateTimeOffset? value, out IResult? error)
    {
        value = null;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        error = ApiErrors.Error(400, "InvalidTime", $"{name} '{text}' is not an ISO 8601 time, like 2025-01-31T08:00:00Z.");
        return false;
    }

    private static IResult InvalidRange(DateTimeOffset from, DateTimeOffset to) =>
        ApiErrors.Error(400, "InvalidRange", $"from ({Iso(from)}) is after to ({Iso(to)}); a bill covers [from, to).");

    private static string Iso(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
}
