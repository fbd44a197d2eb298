namespace Stasis.Server.Hosting;

/// <summary>
/// What one client and the whole server may take (docs/limits.md): the HTTP limits Kestrel enforces before a request
/// reaches Stasis, and the cap on live instances across all functions. Every field is optional: null takes the config
/// file's <c>limits.KEY</c>, else the default; <see cref="LimitKeys"/> holds the keys, ranges and defaults.
/// </summary>
public sealed record ServerLimits
{
    /// <summary>Total size of a request's headers (Kestrel's MaxRequestHeadersTotalSize); beyond it Kestrel answers 431. Default 32 KB.</summary>
    public int? MaxRequestHeadersBytes { get; init; }

    /// <summary>Most headers in one request; beyond it Kestrel answers 431. Default 100.</summary>
    public int? MaxRequestHeaderCount { get; init; }

    /// <summary>How long a client may take to send a request's headers; then Kestrel answers 408 and closes. Default 30 s.</summary>
    public TimeSpan? RequestHeadersTimeout { get; init; }

    /// <summary>How long an idle keep-alive connection stays open. Default 130 s.</summary>
    public TimeSpan? KeepAliveTimeout { get; init; }

    /// <summary>Slowest a client may send a request body, in bytes per second after the grace; 0 turns the check off. Default 240.</summary>
    public double? MinRequestBodyBytesPerSecond { get; init; }

    /// <summary>Slowest a client may read a response, in bytes per second after the grace; 0 turns the check off. Default 240.</summary>
    public double? MinResponseBytesPerSecond { get; init; }

    /// <summary>How long a body or response may go below the minimum rates before the connection is cut. Default 5 s.</summary>
    public TimeSpan? MinDataRateGrace { get; init; }

    /// <summary>Most instances alive at once on this server, all functions together; beyond it no instance starts. Default 256.</summary>
    public int? MaxInstancesTotal { get; init; }

    /// <summary>Most client connections open at once; past it a new one is answered 503 TooManyConnections and closed. Default: from the open-file limit.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>Most connections open at once from one client address (an IPv6 /64); past it the same 503. Default: a quarter of <see cref="MaxConnections"/>.</summary>
    public int? MaxConnectionsPerAddress { get; init; }

    internal int EffectiveMaxRequestHeadersBytes => MaxRequestHeadersBytes ?? (int)LimitKeys.MaxRequestHeadersBytes.Default;

    internal int EffectiveMaxRequestHeaderCount => MaxRequestHeaderCount ?? (int)LimitKeys.MaxRequestHeaderCount.Default;

    internal TimeSpan EffectiveRequestHeadersTimeout => RequestHeadersTimeout ?? TimeSpan.FromSeconds(LimitKeys.RequestHeadersTimeout.Default);

    internal TimeSpan EffectiveKeepAliveTimeout => KeepAliveTimeout ?? TimeSpan.FromSeconds(LimitKeys.KeepAliveTimeout.Default);

    internal double EffectiveMinRequestBodyBytesPerSecond => MinRequestBodyBytesPerSecond ?? LimitKeys.MinRequestBodyBytesPerSecond.Default;

    internal double EffectiveMinResponseBytesPerSecond => MinResponseBytesPerSecond ?? LimitKeys.MinResponseBytesPerSecond.Default;

    internal TimeSpan EffectiveMinDataRateGrace => MinDataRateGrace ?? TimeSpan.FromSeconds(LimitKeys.MinDataRateGrace.Default);

    internal int EffectiveMaxInstancesTotal => MaxInstancesTotal ?? (int)LimitKeys.MaxInstancesTotal.Default;
}
