using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>
/// Reads a CSV trace (the Azure LLM, Azure Functions or plain format, known by its header) into a <see cref="Trace"/>.
/// A bad row stops the read with <c>FILE:LINE: what is wrong</c>, or with <paramref name="skipBadRows"/> is skipped and
/// counted; rows out of time order are sorted (and counted, for a warning); a trace with no request is an error.
/// </summary>
internal static class TraceReader
{
    public const string SkipHint = "--skip-bad-rows skips such rows and counts them";

    /// <param name="source">How messages name the file [default: <paramref name="path"/>].</param>
    public static Trace Read(string path, TraceFormat? format = null, ServiceModel? model = null, bool skipBadRows = false, string? source = null)
    {
        if (!File.Exists(path))
        {
            throw new UsageException(Directory.Exists(path) ? $"{source ?? path} is a directory, not a trace" : $"no such file: {source ?? path} (--trace takes a CSV file)");
        }

        using var reader = File.OpenText(path);
        return Read(reader, source ?? path, format, model, skipBadRows);
    }

    public static Trace Read(TextReader reader, string source, TraceFormat? format = null, ServiceModel? model = null, bool skipBadRows = false)
    {
        var fields = new List<string>();
        var rows = new List<(ParsedRow Row, int Function)>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var functions = new List<string>();
        TraceRowParser? parser = null;
        var lineNumber = 0;
        var badRows = 0;
        string? firstBad = null;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            CsvFields.Split(line, fields);
            if (parser is null)
            {
                var header = fields.ToList();
                var found = format ?? TraceFormats.Detect(header)
                    ?? throw new CliException($"{source}:{lineNumber}: the header '{line.Trim()}' is not one of a trace Stasis reads: "
                        + $"{string.Join(",", TraceFormats.Required(TraceFormat.AzureLlm))} (Azure LLM), "
                        + $"{string.Join(",", TraceFormats.Required(TraceFormat.AzureFunctions))} (Azure Functions) "
                        + $"or {PlainColumns.Timestamp},{PlainColumns.Function},{PlainColumns.ServiceMs}; or name the format with --trace-format");
                parser = TraceRowParser.Create(found, header, model, $"{source}:{lineNumber}");
                continue;
            }

            try
            {
                if (fields.Count != parser.FieldCount)
                {
                    throw new TraceRowException($"{fields.Count} field{(fields.Count == 1 ? "" : "s")}, expected {parser.FieldCount} as in the header");
                }

                var row = parser.Parse(fields);
                var function = 0;
                if (row.Function is { } name && !names.TryGetValue(name, out function))
                {
                    function = functions.Count;
                    names.Add(name, function);
                    functions.Add(name);
                }

                rows.Add((row, function));
            }
            catch (TraceRowException e)
            {
                var message = $"{source}:{lineNumber}: {e.Message}";
                if (!skipBadRows)
                {
                    throw new CliException($"{message} ({SkipHint})");
                }

                badRows++;
                firstBad ??= message;
            }
        }

        if (parser is null)
        {
            throw new CliException($"{source} is empty: a trace needs a header line and at least one request");
        }

        if (rows.Count == 0)
        {
            throw new CliException(badRows == 0
                ? $"{source} has a header but no requests"
                : $"{source} has no usable request: all {badRows} rows are bad; the first: {firstBad}");
        }

        if (!parser.NamesFunctions)
        {
            functions.Add(Path.GetFileNameWithoutExtension(source));
        }

        var outOfOrder = CountOutOfOrder(rows);
        var requests = Arrange(rows);
        var first = rows.Min(r => r.Row.Arrival);
        DateTimeOffset? start = parser.Dated ? new DateTimeOffset(first, TimeSpan.Zero) : null;
        return new Trace(source, parser.Format, parser.Model, requests, functions, parser.NamesFunctions,
            start, badRows, firstBad, outOfOrder);
    }

    /// <summary>Rows whose time as written is earlier than some row above them.</summary>
    private static int CountOutOfOrder(List<(ParsedRow Row, int Function)> rows)
    {
        var count = 0;
        var latest = long.MinValue;
        foreach (var (row, _) in rows)
        {
            if (row.Order < latest)
            {
                count++;
            }
            else
            {
                latest = row.Order;
            }
        }

        return count;
    }

    /// <summary>The requests sorted by arrival (rows at the same instant keep the file's order), timed from the first.</summary>
    private static SimulatedRequest[] Arrange(List<(ParsedRow Row, int Function)> rows)
    {
        var order = new int[rows.Count];
        var sorted = true;
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
            sorted &= i == 0 || rows[i].Row.Arrival >= rows[i - 1].Row.Arrival;
        }

        if (!sorted)
        {
            Array.Sort(order, (a, b) => rows[a].Row.Arrival != rows[b].Row.Arrival ? rows[a].Row.Arrival.CompareTo(rows[b].Row.Arrival) : a.CompareTo(b));
        }

        var origin = rows[order[0]].Row.Arrival;
        var requests = new SimulatedRequest[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            var (row, function) = rows[order[i]];
            requests[i] = new SimulatedRequest(TimeSpan.FromTicks(row.Arrival - origin), function, row.ServiceMs);
        }

        return requests;
    }
}
