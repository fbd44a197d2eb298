namespace Stasis.Cli.Simulating;

/// <summary>The CSV traces <c>simulate</c> reads, each known by its header (or named with <c>--trace-format</c>).</summary>
internal enum TraceFormat
{
    /// <summary>Azure's LLM inference traces: <c>TIMESTAMP,ContextTokens,GeneratedTokens</c>, one function.</summary>
    AzureLlm,
    /// <summary>Azure Functions 2021: <c>app,func,end_timestamp,duration</c> in seconds; a request starts at end − duration.</summary>
    AzureFunctions,
    /// <summary><c>timestamp,function,service_ms</c>: seconds or ISO times, a function name, milliseconds.</summary>
    Plain,
}

internal static class TraceFormats
{
    public const string Names = "azure-llm, azure-functions or plain";

    public static string Name(TraceFormat format) => format switch
    {
        TraceFormat.AzureLlm => "azure-llm",
        TraceFormat.AzureFunctions => "azure-functions",
        _ => "plain",
    };

    /// <summary>How the output names a format: <c>Azure LLM trace</c>.</summary>
    public static string Title(TraceFormat format) => format switch
    {
        TraceFormat.AzureLlm => "Azure LLM trace",
        TraceFormat.AzureFunctions => "Azure Functions trace",
        _ => "plain trace",
    };

    public static TraceFormat Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "azure-llm" or "llm" => TraceFormat.AzureLlm,
        "azure-functions" or "functions" => TraceFormat.AzureFunctions,
        "plain" or "csv" => TraceFormat.Plain,
        _ => throw new UsageException($"--trace-format '{text}' is not a trace format; use {Names}"),
    };

    /// <summary>The columns each format must have, as its header spells them.</summary>
    public static IReadOnlyList<string> Required(TraceFormat format) => format switch
    {
        TraceFormat.AzureLlm => [LlmColumns.Timestamp, LlmColumns.ContextTokens, LlmColumns.GeneratedTokens],
        TraceFormat.AzureFunctions => [FunctionsColumns.App, FunctionsColumns.Func, FunctionsColumns.EndTimestamp, FunctionsColumns.Duration],
        _ => [PlainColumns.Timestamp],
    };

    /// <summary>The format a header line announces, or null when it is none of them.</summary>
    public static TraceFormat? Detect(IReadOnlyList<string> header)
    {
        bool Has(string name) => header.Any(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
        if (Has(LlmColumns.ContextTokens) && Has(LlmColumns.GeneratedTokens))
        {
            return TraceFormat.AzureLlm;
        }

        if (Has(FunctionsColumns.EndTimestamp) && Has(FunctionsColumns.Duration))
        {
            return TraceFormat.AzureFunctions;
        }

        return Has(PlainColumns.Timestamp) ? TraceFormat.Plain : null;
    }
}

internal static class LlmColumns
{
    public const string Timestamp = "TIMESTAMP";
    public const string ContextTokens = "ContextTokens";
    public const string GeneratedTokens = "GeneratedTokens";
}

internal static class FunctionsColumns
{
    public const string App = "app";
    public const string Func = "func";
    public const string EndTimestamp = "end_timestamp";
    public const string Duration = "duration";
}

internal static class PlainColumns
{
    public const string Timestamp = "timestamp";
    public const string Function = "function";
    public const string ServiceMs = "service_ms";
}
