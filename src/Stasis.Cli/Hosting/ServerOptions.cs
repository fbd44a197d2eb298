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

    public Option<bool> RequireAuth { get; } = new("--require-auth")
    {
        Description = "Ask for an access key on every API call and /metrics on loopback too (always on other addresses; docs/security.md)",
    };

    public Option<string?> Config { get; } = new("--config")
    {
        Description = "Server config file (JSON; see docs/configuration.md), e.g. the bill's unit prices",
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
        command.Add(MetricsInterval);
        command.Add(MetricsRetention);
        command.Add(ScaleOutIntervals);
        command.Add(ScaleInIntervals);
        command.Add(MaxConcurrentStarts);
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
        parse.GetValue(MaxConcurrentStarts));

    private static Option<int?> RangeOptional(Option<int?> option)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } n && n is < 1 or > 1000)
            {
                r.AddError($"{option.Name} must be from 1 to 1000, not {n}");
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
