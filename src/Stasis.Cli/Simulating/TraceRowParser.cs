namespace Stasis.Cli.Simulating;

/// <summary>
/// One row of a trace: its time as written (<see cref="Order"/>, to tell whether the file is sorted), when the request
/// arrives, its function (null in a trace of one function) and its service time. Times are ticks on the trace's clock.
/// </summary>
internal readonly record struct ParsedRow(long Order, long Arrival, string? Function, double ServiceMs);

/// <summary>Reads the rows of one format, by the columns its header names (in any order, any case).</summary>
internal abstract class TraceRowParser
{
    private readonly IReadOnlyList<string> _header;

    protected TraceRowParser(IReadOnlyList<string> header, ServiceModel model)
    {
        _header = header;
        Model = model;
    }

    public int FieldCount => _header.Count;

    public ServiceModel Model { get; }

    public abstract TraceFormat Format { get; }

    /// <summary>Whether rows name their function; false for a trace of one function.</summary>
    public abstract bool NamesFunctions { get; }

    /// <summary>Whether the clock is a wall-clock date (so the run may start at the trace's own first instant).</summary>
    public abstract bool Dated { get; }

    public abstract ParsedRow Parse(List<string> fields);

    /// <summary>
    /// The parser for <paramref name="format"/> over <paramref name="header"/>. <paramref name="model"/> null takes the
    /// format's default: the linear LLM model for the LLM trace, the trace's own column for the others.
    /// </summary>
    public static TraceRowParser Create(TraceFormat format, IReadOnlyList<string> header, ServiceModel? model, string where)
    {
        var missing = TraceFormats.Required(format).Where(c => Find(header, c) < 0).ToList();
        if (missing.Count > 0)
        {
            throw new CliException($"{where}: the {TraceFormats.Name(format)} format needs the column(s) {string.Join(", ", missing)}; the header has {string.Join(",", header)}");
        }

        return format switch
        {
            TraceFormat.AzureLlm => new LlmRows(header, model ?? ServiceModel.LlmDefault),
            TraceFormat.AzureFunctions => new FunctionsRows(header, model ?? new ServiceModel.Column()),
            _ => new PlainRows(header, model ?? new ServiceModel.Column(), where),
        };
    }

    protected int Index(string column) => Find(_header, column);

    private static int Find(IReadOnlyList<string> header, string column)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (string.Equals(header[i], column, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    protected static UsageException NoTokens(string format) =>
        new($"--service-model linear needs token counts, which only the Azure LLM trace has; for the {format} use column or fixed:MS");

    /// <summary><c>TIMESTAMP,ContextTokens,GeneratedTokens</c>: one function; service time from the tokens (or fixed).</summary>
    private sealed class LlmRows : TraceRowParser
    {
        private readonly int _timestamp;
        private readonly int _context;
        private readonly int _generated;

        public LlmRows(IReadOnlyList<string> header, ServiceModel model) : base(header, model)
        {
            if (model is ServiceModel.Column)
            {
                throw new UsageException("--service-model column: the Azure LLM trace has no service-time column; use linear:A,B,C or fixed:MS");
            }

            _timestamp = Index(LlmColumns.Timestamp);
            _context = Index(LlmColumns.ContextTokens);
            _generated = Index(LlmColumns.GeneratedTokens);
        }

        public override TraceFormat Format => TraceFormat.AzureLlm;

        public override bool NamesFunctions => false;

        public override bool Dated => true;

        public override ParsedRow Parse(List<string> fields)
        {
            var at = TraceFields.Date(fields[_timestamp], LlmColumns.Timestamp);
            var context = TraceFields.Tokens(fields[_context], LlmColumns.ContextTokens);
            var generated = TraceFields.Tokens(fields[_generated], LlmColumns.GeneratedTokens);
            var service = Model switch
            {
                ServiceModel.Linear linear => linear.Compute(context, generated),
                ServiceModel.Fixed f => f.Ms,
                _ => 0,
            };
            return new ParsedRow(at, at, null, service);
        }
    }

    /// <summary><c>app,func,end_timestamp,duration</c> in seconds: the function is app/func, a request arrives at end − duration.</summary>
    private sealed class FunctionsRows : TraceRowParser
    {
        private readonly int _app;
        private readonly int _func;
        private readonly int _end;
        private readonly int _duration;

        public FunctionsRows(IReadOnlyList<string> header, ServiceModel model) : base(header, model)
        {
            if (model is ServiceModel.Linear)
            {
                throw NoTokens("Azure Functions trace");
            }

            _app = Index(FunctionsColumns.App);
            _func = Index(FunctionsColumns.Func);
            _end = Index(FunctionsColumns.EndTimestamp);
            _duration = Index(FunctionsColumns.Duration);
        }

        public override TraceFormat Format => TraceFormat.AzureFunctions;

        public override bool NamesFunctions => true;

        public override bool Dated => false;

        public override ParsedRow Parse(List<string> fields)
        {
            var app = fields[_app];
            var func = fields[_func];
            if (app.Length == 0 || func.Length == 0)
            {
                throw new TraceRowException($"{(app.Length == 0 ? FunctionsColumns.App : FunctionsColumns.Func)} is empty");
            }

            var end = TraceFields.Seconds(fields[_end], FunctionsColumns.EndTimestamp);
            var duration = TraceFields.NonNegativeSeconds(fields[_duration], FunctionsColumns.Duration);
            var service = Model is ServiceModel.Fixed f ? f.Ms : (double)duration / TimeSpan.TicksPerMillisecond;
            return new ParsedRow(end, end - duration, $"{app}/{func}", service);
        }
    }

    /// <summary>
    /// <c>timestamp[,function][,service_ms]</c>: seconds from any origin or ISO dates (not both in one file), a function name
    /// (one function when the column is absent), a service time in ms (needed unless the model is fixed).
    /// </summary>
    private sealed class PlainRows : TraceRowParser
    {
        private readonly int _timestamp;
        private readonly int _function;
        private readonly int _service;
        private bool? _dated;

        public PlainRows(IReadOnlyList<string> header, ServiceModel model, string where) : base(header, model)
        {
            if (model is ServiceModel.Linear)
            {
                throw NoTokens("plain trace");
            }

            _timestamp = Index(PlainColumns.Timestamp);
            _function = Index(PlainColumns.Function);
            _service = Index(PlainColumns.ServiceMs);
            if (_service < 0 && model is ServiceModel.Column)
            {
                throw new CliException($"{where}: the trace has no {PlainColumns.ServiceMs} column; add one or give --service-model fixed:MS");
            }
        }

        public override TraceFormat Format => TraceFormat.Plain;

        public override bool NamesFunctions => _function >= 0;

        public override bool Dated => _dated == true;

        public override ParsedRow Parse(List<string> fields)
        {
            var text = fields[_timestamp];
            long at;
            bool dated;
            if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                at = TraceFields.Seconds(text, PlainColumns.Timestamp);
                dated = false;
            }
            else if (TraceFields.TryDate(text, out at))
            {
                dated = true;
            }
            else
            {
                throw new TraceRowException($"{PlainColumns.Timestamp} '{text}' is neither seconds nor a date and time (like 2026-01-01T08:00:00.250Z)");
            }

            if (_dated is { } earlier && earlier != dated)
            {
                throw new TraceRowException(earlier
                    ? $"{PlainColumns.Timestamp} '{text}' is a number, but the rows before it have dates"
                    : $"{PlainColumns.Timestamp} '{text}' is a date, but the rows before it have seconds");
            }

            _dated = dated;
            string? function = null;
            if (_function >= 0)
            {
                function = fields[_function];
                if (function.Length == 0)
                {
                    throw new TraceRowException($"{PlainColumns.Function} is empty");
                }
            }

            var service = Model is ServiceModel.Fixed f ? f.Ms : TraceFields.Milliseconds(fields[_service], PlainColumns.ServiceMs);
            return new ParsedRow(at, at, function, service);
        }
    }
}
