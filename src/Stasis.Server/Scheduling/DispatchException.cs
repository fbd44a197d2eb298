namespace Stasis.Server.Scheduling;

/// <summary>A request could not be given an instance; <see cref="Code"/> and <see cref="StatusCode"/> go to the client as JSON.</summary>
internal sealed class DispatchException(string code, int statusCode, string message) : Exception(message)
{
    public string Code { get; } = code;
    public int StatusCode { get; } = statusCode;

    /// <summary>For 429: when a retry is likely to find room, from the observed drain rate.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <param name="startRefusal">Why no instance could start for the waiting requests (the server's instance limit), if that is why they wait.</param>
    public static DispatchException QueueFull(string function, int limit, TimeSpan retryAfter, string? startRefusal = null) => new(
        "QueueFull", 429, startRefusal is null
            ? $"function '{function}' already has {limit} requests waiting (maxQueueLength); retry after {retryAfter.TotalSeconds:0}s or raise maxQueueLength/maxInstances."
            : $"function '{function}' already has {limit} requests waiting (maxQueueLength) and no instance can start for them: {startRefusal}; retry after {retryAfter.TotalSeconds:0}s.")
    {
        RetryAfter = retryAfter,
    };

    /// <summary>The function's maxRequestsPerSecond turned the request away; <paramref name="retryAfter"/> is when a token is back.</summary>
    public static DispatchException RateLimited(string function, double perSecond, int burst, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds));
        return new("RateLimited", 429, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"function '{function}' takes at most {perSecond:0.###} requests per second (maxRequestsPerSecond, burst {burst}); retry after {seconds:0}s."))
        {
            RetryAfter = TimeSpan.FromSeconds(seconds),
        };
    }

    /// <summary>A new session found every instance at its session cap and no instance could start for it.</summary>
    public static DispatchException SessionsFull(string function, int perInstance, int instances, string? startRefusal) => new(
        "SessionLimitReached", 429, startRefusal is null
            ? $"function '{function}' holds {perInstance} sessions on each of its {instances} instances (sessionConcurrencyPerInstance, maxInstances): retry after a session ends, or raise maxInstances or sessionConcurrencyPerInstance."
            : $"function '{function}' holds {perInstance} sessions on each of its instances and no instance can start for a new one: {startRefusal}; retry later.")
    {
        RetryAfter = TimeSpan.FromSeconds(5),
    };

    /// <summary>An ended session's id came back while disableSessionIdReuse is on.</summary>
    public static DispatchException SessionEnded(string function) => new(
        "SessionEnded", 410, $"this session of '{function}' has ended (its TTL or idle timeout passed, or its instance stopped) and disableSessionIdReuse is on: start a new session by sending the request without its id.");

    public static DispatchException NoCapacity(string function) => new(
        "NoCapacity", 503, $"function '{function}' may run no instance (maxInstances is 0); raise maxInstances to serve it.");

    public static DispatchException StartFailed(string function, string reason) => new(
        "InstanceStartFailed", 503, $"no instance of function '{function}' could start: {reason}");

    public static DispatchException Closed(string function, string why) => new(
        "FunctionUnavailable", 503, $"function '{function}' {why}; retry later.");
}
