using System.CommandLine;
using Stasis.Cli.Parsing;

namespace Stasis.Cli.Hosting;

/// <summary>The options <c>server</c> and <c>up</c> share.</summary>
internal sealed class ServerOptions
{
    public Option<string> Listen { get; } = new("--listen", "-l")
    {
        Description = "Address to listen on, HOST:PORT (port 0 picks a free one)",
        HelpName = "HOST:PORT",
        DefaultValueFactory = _ => ServerSettings.DefaultListen,
    };

    public Option<string> Data { get; } = new("--data")
    {
        Description = "Directory for the function store and instance logs",
        HelpName = "DIR",
        DefaultValueFactory = _ => ServerSettings.DefaultDataDirectory,
    };

    // Strings parsed by validators rather than typed options, so --help shows "5m" and "32MB", not 00:05:00 and 33554432.
    public Option<string> IdleTimeout { get; } = Validated(
        new Option<string>("--idle-timeout")
        {
            Description = "Stop an on-demand instance after this long idle (300ms, 30s, 5m, 1h)",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "5m",
        },
        text => Durations.TryParse(text, out _),
        "a duration like 300ms, 30s, 5m or 1h");

    public Option<string> FreezeGrace { get; } = Validated(
        new Option<string>("--freeze-grace")
        {
            Description = "Idle mode: how long a provisioned instance with no request stays warm before it is frozen (0, 100ms, 2s)",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "0",
        },
        text => text == "0" || Durations.TryParse(text, out _),
        "0 or a duration like 100ms or 2s");

    public Option<string> MaxBody { get; } = Validated(
        new Option<string>("--max-body")
        {
            Description = "Largest request body the gateway accepts (32MB, 512KB, 1048576)",
            HelpName = "SIZE",
            DefaultValueFactory = _ => "32MB",
        },
        text => Sizes.TryParse(text, out var bytes) && bytes > 0,
        "a size like 32MB, 512KB or 1048576");

    // No default here: left out, the config file's metrics keys (or the server's defaults, 60s and 31d) apply.
    public Option<string?> MetricsInterval { get; } = ValidatedOptional(
        new Option<string?>("--metrics-interval")
        {
            Description = "How long a metrics interval lasts, 1s to 1h [default: 60s, or the config file's metrics.intervalSeconds]",
            HelpName = "DURATION",
        },
        text => Durations.TryParse(text, out var d) && d >= TimeSpan.FromSeconds(1) && d <= TimeSpan.FromHours(1),
        "a duration from 1s to 1h, like 1s, 10s or 60s");

    public Option<string?> MetricsRetention { get; } = ValidatedOptional(
        new Option<string?>("--metrics-retention")
        {
            Description = "How long metrics are kept [default: 31d, or the config file's metrics.retentionDays]",
            HelpName = "DURATION",
        },
        text => Durations.TryParse(text, out var d) && d > TimeSpan.Zero,
        "a duration like 1h, 7d or 31d");

    public Option<int> ScaleOutIntervals { get; } = Range(new Option<int>("--scale-out-intervals")
    {
        Description = "Target tracking: metric intervals over target before provisioned instances are added (1–1000)",
        HelpName = "N",
        DefaultValueFactory = _ => ServerSettings.DefaultScaleOutIntervals,
    });

    public Option<int> ScaleInIntervals { get; } = Range(new Option<int>("--scale-in-intervals")
    {
        Description = "Target tracking: metric intervals under target before provisioned instances are released (1–1000)",
        HelpName = "N",
        DefaultValueFactory = _ => ServerSettings.DefaultScaleInIntervals,
    });

    public Option<int?> MaxConcurrentStarts { get; } = RangeOptional(new Option<int?>("--max-concurrent-starts")
    {
        Description = "How many instances may start at once (process to ready, initializer included); the rest wait their turn (1–1000) [default: 2 per CPU, at least 4]",
        HelpName = "N",
    });

    public Option<string> MemoryTrimInterval { get; } = Validated(
        new Option<string>("--memory-trim-interval")
        {
            Description = "How often the native heap's free memory is given back to the kernel, 1s to 1h; 0 turns it off (docs/reliability.md)",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "10s",
        },
        OffOrBetween(TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
        "0 or a duration from 1s to 1h, like 10s or 30s");

    public Option<string> MemoryCompactInterval { get; } = Validated(
        new Option<string>("--memory-compact-interval")
        {
            Description = "How often the GC heap gets a full, compacting collection, 10s to 1h; 0 turns it off (docs/reliability.md)",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "60s",
        },
        OffOrBetween(TimeSpan.FromSeconds(10), TimeSpan.FromHours(1)),
        "0 or a duration from 10s to 1h, like 60s or 5m");

    public Option<string> LogQuota { get; } = Validated(
        new Option<string>("--log-quota")
        {
            Description = "What one function's log may hold on disk, 1MB to 1TB; past half of it the log is started anew and the older half kept (docs/limits.md)",
            HelpName = "SIZE",
            DefaultValueFactory = _ => "64MB",
        },
        text => Sizes.TryParse(text, out var bytes) && bytes >= 1L << 20 && bytes <= 1L << 40,
        "a size from 1MB to 1TB, like 64MB or 1GB");

    public Option<bool> UnsafeNoSandbox { get; } = new("--unsafe-no-sandbox")
    {
        Description = "Run functions as plain processes of the server's user, not in their sandbox: any function can then read the server's files and keys. Only for code you trust (docs/security.md)",
    };

    public Option<string?> ImageStore { get; } = new("--image-store")
    {
        Description = "Directory of the server's container images (docs/images.md) [default: DATA/images]",
        HelpName = "DIR",
    };

    public Option<string?> ServerKey { get; } = new("--server-key")
    {
        Description = "The key that seals the store's access keys (docs/security.md); servers sharing a store share it [default: DATA/server.key, made on the first start]",
        HelpName = "FILE",
    };

    public Option<string?> RegistryAuthFile { get; } = new("--registry-auth-file")
    {
        Description = "Registry credentials for images pull (containers-auth.json format) [default: skopeo's: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json]",
        HelpName = "FILE",
    };

    public Option<int?> InstancePids { get; } = RangeOptional(new Option<int?>("--instance-pids")
    {
        Description = "Most processes and threads one instance may have, 16 to 4194304 (pids.max) [default: 512]",
        HelpName = "N",
    }, 16, 4_194_304);

    public Option<bool> RequireAuth { get; } = new("--require-auth")
    {
        Description = "Ask for an access key on every API call and /metrics on loopback too (always on other addresses; docs/security.md)",
    };

    // Limits (docs/limits.md): no defaults here, so that the config file's limits keys apply when an option is left out;
    // the server checks the ranges and names the option in its error.
    public Option<string?> MaxHeaderSize { get; } = ValidatedOptional(
        new Option<string?>("--max-header-size")
        {
            Description = "Largest total size of a request's headers; beyond it 431 [default: 32KB, or the config file's limits.maxRequestHeadersBytes]",
            HelpName = "SIZE",
        },
        text => Sizes.TryParse(text, out _),
        "a size like 32KB, 64KB or 65536");

    public Option<int?> MaxHeaders { get; } = new("--max-headers")
    {
        Description = "Most headers in one request; beyond it 431 [default: 100, or the config file's limits.maxRequestHeaderCount]",
        HelpName = "N",
    };

    public Option<string?> HeadersTimeout { get; } = ValidatedOptional(
        new Option<string?>("--headers-timeout")
        {
            Description = "How long a client may take to send a request's headers; then 408 [default: 30s, or limits.requestHeadersTimeoutSeconds]",
            HelpName = "DURATION",
        },
        text => Durations.TryParse(text, out _),
        "a duration like 10s or 30s");

    public Option<string?> KeepAliveTimeout { get; } = ValidatedOptional(
        new Option<string?>("--keep-alive-timeout")
        {
            Description = "How long an idle keep-alive connection stays open [default: 130s, or limits.keepAliveTimeoutSeconds]",
            HelpName = "DURATION",
        },
        text => Durations.TryParse(text, out _),
        "a duration like 30s or 2m");

    public Option<string?> MinRequestRate { get; } = ValidatedOptional(
        new Option<string?>("--min-request-rate")
        {
            Description = "Slowest a client may send a request body, bytes per second after the grace; 0 turns it off [default: 240, or limits.minRequestBodyBytesPerSecond]",
            HelpName = "BYTES/S",
        },
        text => Sizes.TryParse(text, out _),
        "a rate in bytes per second like 240, 1KB or 0");

    public Option<string?> MinResponseRate { get; } = ValidatedOptional(
        new Option<string?>("--min-response-rate")
        {
            Description = "Slowest a client may read a response, bytes per second after the grace; 0 turns it off [default: 240, or limits.minResponseBytesPerSecond]",
            HelpName = "BYTES/S",
        },
        text => Sizes.TryParse(text, out _),
        "a rate in bytes per second like 240, 1KB or 0");

    public Option<string?> MinRateGrace { get; } = ValidatedOptional(
        new Option<string?>("--min-rate-grace")
        {
            Description = "How long a body or response may stay below those rates before the connection is cut [default: 5s, or limits.minDataRateGraceSeconds]",
            HelpName = "DURATION",
        },
        text => Durations.TryParse(text, out _),
        "a duration like 5s or 30s");

    public Option<int?> MaxInstancesTotal { get; } = new("--max-instances-total")
    {
        Description = "Most instances alive at once, all functions together; beyond it none starts [default: 256, or limits.maxInstancesTotal]",
        HelpName = "N",
    };

    public Option<int?> MaxConnections { get; } = new("--max-connections")
    {
        Description = "Most client connections open at once; past it a new one gets 503 TooManyConnections [default: from the open-file limit, or limits.maxConnections]",
        HelpName = "N",
    };

    public Option<int?> MaxConnectionsPerAddress { get; } = new("--max-connections-per-address")
    {
        Description = "Most connections open at once from one client address (an IPv6 /64) [default: a quarter of --max-connections, or limits.maxConnectionsPerAddress]",
        HelpName = "N",
    };

    public Option<string[]> TrustedProxy { get; } = new("--trusted-proxy")
    {
        Description = "Address or CIDR range of a load balancer in front of the server whose X-Forwarded-For counts for the per-address limit (repeatable; docs/limits.md)",
        HelpName = "CIDR",
    };

    public Option<string?> Config { get; } = new("--config")
    {
        Description = "Server config file (JSON; see docs/configuration.md): the bill's unit prices, metrics and limits",
        HelpName = "FILE",
    };

    public void AddTo(Command command)
    {
        command.Add(Listen);
        command.Add(Data);
        command.Add(IdleTimeout);
        command.Add(FreezeGrace);
        command.Add(MaxBody);
        command.Add(Config);
        command.Add(RequireAuth);
        command.Add(UnsafeNoSandbox);
        command.Add(LogQuota);
        command.Add(InstancePids);
        command.Add(ImageStore);
        command.Add(ServerKey);
        command.Add(RegistryAuthFile);
        command.Add(MetricsInterval);
        command.Add(MetricsRetention);
        command.Add(ScaleOutIntervals);
        command.Add(ScaleInIntervals);
        command.Add(MaxConcurrentStarts);
        command.Add(MemoryTrimInterval);
        command.Add(MemoryCompactInterval);
        command.Add(MaxHeaderSize);
        command.Add(MaxHeaders);
        command.Add(HeadersTimeout);
        command.Add(KeepAliveTimeout);
        command.Add(MinRequestRate);
        command.Add(MinResponseRate);
        command.Add(MinRateGrace);
        command.Add(MaxInstancesTotal);
        command.Add(MaxConnections);
        command.Add(MaxConnectionsPerAddress);
        command.Add(TrustedProxy);
    }

    /// <summary>The settings asked for; the admin key comes from <c>STASIS_ADMIN_KEY</c> (<paramref name="getVariable"/>).</summary>
    public ServerSettings Read(ParseResult parse, Func<string, string?> getVariable) => new(
        parse.GetValue(Listen) ?? ServerSettings.DefaultListen,
        parse.GetValue(Data) ?? ServerSettings.DefaultDataDirectory,
        Durations.TryParse(parse.GetValue(IdleTimeout), out var idle) ? idle : ServerSettings.DefaultIdleTimeout,
        Sizes.TryParse(parse.GetValue(MaxBody), out var bytes) ? bytes : ServerSettings.DefaultMaxRequestBodyBytes,
        parse.GetValue(Config),
        parse.GetValue(FreezeGrace) is { } grace && grace != "0" && Durations.TryParse(grace, out var g) ? g : TimeSpan.Zero,
        Durations.TryParse(parse.GetValue(MetricsInterval), out var interval) ? interval : null,
        Durations.TryParse(parse.GetValue(MetricsRetention), out var retention) ? retention : null,
        parse.GetValue(ScaleOutIntervals),
        parse.GetValue(ScaleInIntervals),
        parse.GetValue(RequireAuth),
        getVariable(ServerSettings.AdminKeyVariable) is { Length: > 0 } adminKey ? adminKey : null,
        parse.GetValue(MaxConcurrentStarts),
        ReadLimits(parse),
        Durations.TryParse(parse.GetValue(MemoryTrimInterval), out var trim) ? trim : ServerSettings.DefaultMemoryTrimInterval,
        Durations.TryParse(parse.GetValue(MemoryCompactInterval), out var compact) ? compact : ServerSettings.DefaultMemoryCompactInterval,
        parse.GetValue(UnsafeNoSandbox),
        parse.GetValue(InstancePids),
        Sizes.TryParse(parse.GetValue(LogQuota), out var quota) ? quota : null,
        parse.GetValue(ImageStore) is { Length: > 0 } store ? Path.GetFullPath(store) : null,
        parse.GetValue(RegistryAuthFile) is { Length: > 0 } auth ? Path.GetFullPath(auth) : null,
        parse.GetValue(ServerKey) is { Length: > 0 } key ? Path.GetFullPath(key) : null,
        parse.GetValue(TrustedProxy) ?? []);

    private LimitSettings ReadLimits(ParseResult parse) => new()
    {
        MaxRequestHeadersBytes = Sizes.TryParse(parse.GetValue(MaxHeaderSize), out var headers) ? headers : null,
        MaxRequestHeaderCount = parse.GetValue(MaxHeaders),
        RequestHeadersTimeout = Durations.TryParse(parse.GetValue(HeadersTimeout), out var headersTimeout) ? headersTimeout : null,
        KeepAliveTimeout = Durations.TryParse(parse.GetValue(KeepAliveTimeout), out var keepAlive) ? keepAlive : null,
        MinRequestBodyBytesPerSecond = Sizes.TryParse(parse.GetValue(MinRequestRate), out var requestRate) ? requestRate : null,
        MinResponseBytesPerSecond = Sizes.TryParse(parse.GetValue(MinResponseRate), out var responseRate) ? responseRate : null,
        MinDataRateGrace = Durations.TryParse(parse.GetValue(MinRateGrace), out var grace) ? grace : null,
        MaxInstancesTotal = parse.GetValue(MaxInstancesTotal),
        MaxConnections = parse.GetValue(MaxConnections),
        MaxConnectionsPerAddress = parse.GetValue(MaxConnectionsPerAddress),
    };

    private static Option<int?> RangeOptional(Option<int?> option, int min = 1, int max = 1000)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } n && (n < min || n > max))
            {
                r.AddError($"{option.Name} must be from {min} to {max}, not {n}");
            }
        });
        return option;
    }

    private static Option<int> Range(Option<int> option)
    {
        option.Validators.Add(r =>
        {
            var n = r.GetValueOrDefault<int>();
            if (n is < 1 or > 1000)
            {
                r.AddError($"{option.Name} must be from 1 to 1000, not {n}");
            }
        });
        return option;
    }

    private static Option<string?> ValidatedOptional(Option<string?> option, Func<string?, bool> isValid, string expected)
    {
        option.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string?>();
            if (text is not null && !isValid(text))
            {
                r.AddError($"{option.Name} '{text}' is not {expected}");
            }
        });
        return option;
    }

    /// <summary>A duration that is 0 (off) or from <paramref name="min"/> to <paramref name="max"/>.</summary>
    private static Func<string?, bool> OffOrBetween(TimeSpan min, TimeSpan max) =>
        text => Durations.TryParse(text, out var d) && (d == TimeSpan.Zero || d >= min && d <= max);

    private static Option<string> Validated(Option<string> option, Func<string?, bool> isValid, string expected)
    {
        option.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>();
            if (!isValid(text))
            {
                r.AddError($"{option.Name} '{text}' is not {expected}");
            }
        });
        return option;
    }
}
