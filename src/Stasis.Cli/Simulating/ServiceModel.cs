using System.Globalization;
using Stasis.Cli.Parsing;

namespace Stasis.Cli.Simulating;

/// <summary>
/// How long a request runs once it is on an instance (<c>--service-model</c>): the trace's own column
/// (<c>column</c>), one time for every request (<c>fixed:120</c>, milliseconds, or <c>fixed:1.5s</c>), or
/// <c>linear:A,B,C</c> = A ms + B ms × context tokens + C ms × generated tokens, for the Azure LLM trace.
/// </summary>
internal abstract record ServiceModel
{
    /// <summary>
    /// The LLM default, an assumption rather than a measurement: a 7B-class model in fp16 on one data-centre GPU serving one
    /// request at a time, 100 ms of fixed cost (HTTP, tokenizer, scheduling), prefill at about 5,000 tokens/s (0.2 ms per
    /// context token) and decode at about 50 tokens/s (20 ms per generated token).
    /// </summary>
    public static readonly Linear LlmDefault = new(100, 0.2, 20);

    /// <summary>The default of a synthetic stream: 100 ms per request.</summary>
    public static readonly Fixed SyntheticDefault = new(100);

    public const string Usage = "use column, fixed:MS (e.g. fixed:120 or fixed:1.5s) or linear:A,B,C (A ms + B ms × context tokens + C ms × generated tokens)";

    /// <summary>The service time in the trace's own column: <c>service_ms</c>, or the Azure Functions trace's <c>duration</c>.</summary>
    public sealed record Column : ServiceModel
    {
        public override string Describe() => "the trace's own service times";
    }

    public sealed record Fixed(double Ms) : ServiceModel
    {
        public override string Describe() => $"fixed {Number(Ms)} ms";
    }

    public sealed record Linear(double A, double B, double C) : ServiceModel
    {
        public double Compute(long contextTokens, long generatedTokens) => A + (B * contextTokens) + (C * generatedTokens);

        public override string Describe() => $"{Number(A)} ms + {Number(B)} ms × context tokens + {Number(C)} ms × generated tokens";
    }

    /// <summary>A phrase for the output: every figure that depends on the model is stated with it.</summary>
    public abstract string Describe();

    /// <summary>Reads <c>column</c>, <c>fixed:MS</c> or <c>linear:A,B,C</c>; anything else, a negative or a non-finite number is a usage error.</summary>
    public static ServiceModel Parse(string text)
    {
        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        var kind = (colon < 0 ? trimmed : trimmed[..colon]).Trim().ToLowerInvariant();
        var args = colon < 0 ? null : trimmed[(colon + 1)..].Trim();
        switch (kind)
        {
            case "column" when args is null:
                return new Column();
            case "fixed" when !string.IsNullOrEmpty(args):
                return new Fixed(FixedMs(args, text));
            case "linear" when !string.IsNullOrEmpty(args):
                var parts = args.Split(',');
                if (parts.Length != 3)
                {
                    throw new UsageException($"--service-model '{text}': linear takes three numbers A,B,C (ms, ms per context token, ms per generated token), not {parts.Length}");
                }

                return new Linear(Coefficient(parts[0], "A", text), Coefficient(parts[1], "B", text), Coefficient(parts[2], "C", text));
            default:
                throw new UsageException($"--service-model '{text}' is not a service-time model: {Usage}");
        }
    }

    private static double FixedMs(string value, string text)
    {
        if (value.StartsWith('-'))
        {
            throw new UsageException($"--service-model '{text}': a service time cannot be negative");
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
        {
            return double.IsFinite(ms)
                ? ms
                : throw new UsageException($"--service-model '{text}': '{value}' is not a finite number of milliseconds");
        }

        return Durations.TryParse(value, out var duration)
            ? duration.TotalMilliseconds
            : throw new UsageException($"--service-model '{text}': '{value}' is neither milliseconds nor a duration like 120ms or 1.5s");
    }

    private static double Coefficient(string value, string name, string text)
    {
        if (!double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            throw new UsageException($"--service-model '{text}': {name} '{value.Trim()}' is not a finite number");
        }

        return number < 0
            ? throw new UsageException($"--service-model '{text}': {name} is {Number(number)}; coefficients cannot be negative")
            : number;
    }

    internal static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
