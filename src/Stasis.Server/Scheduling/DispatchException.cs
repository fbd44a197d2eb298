namespace Stasis.Server.Scheduling;

/// <summary>A request could not be given an instance; <see cref="Code"/> and <see cref="StatusCode"/> go to the client as JSON.</summary>
internal sealed class DispatchException(string code, int statusCode, string message) : Exception(message)
{
    public string Code { get; } = code;
    public int StatusCode { get; } = statusCode;

    /// <summary>For 429: when a retry is likely to find room, from the observed drain rate.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static DispatchException QueueFull(string function, int limit, TimeSpan retryAfter) => new(
        "QueueFull", 429, $"function '{function}' already has {limit} requests waiting (maxQueueLength); retry after {retryAfter.TotalSeconds:0}s or raise maxQueueLength/maxInstances.")
    {
        RetryAfter = retryAfter,
    };

    public static DispatchException NoCapacity(string function) => new(
        "NoCapacity", 503, $"function '{function}' may run no instance (maxInstances is 0); raise maxInstances to serve it.");

    public static DispatchException StartFailed(string function, string reason) => new(
        "InstanceStartFailed", 503, $"no instance of function '{function}' could start: {reason}");

    public static DispatchException Closed(string function, string why) => new(
        "FunctionUnavailable", 503, $"function '{function}' {why}; retry later.");
}
