using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stasis.Client.Auth;
using Stasis.Server.Security;

namespace Stasis.Server.Hosting;

/// <summary>
/// One Stasis server: control API, gateway and runtime in one process. The CLI's <c>server</c> and
/// <c>up</c> commands and the functional tests all start it through here.
/// </summary>
public sealed class StasisServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StasisServer(WebApplication app, Uri address, StasisServerOptions options, AccessKeyToken? bootstrapKey)
    {
        _app = app;
        Address = address;
        Options = options;
        BootstrapKey = bootstrapKey;
    }

    /// <summary>Base address the server listens on, e.g. <c>http://127.0.0.1:7070/</c>.</summary>
    public Uri Address { get; }

    public StasisServerOptions Options { get; }

    /// <summary>Whether the control API and /metrics ask for an access key, and why (docs/security.md).</summary>
    public bool AuthRequired => Services.GetRequiredService<AuthSettings>().Required;

    /// <summary>Why credentials are or are not required, in words for the banner.</summary>
    public string AuthReason => Services.GetRequiredService<AuthSettings>().Reason;

    /// <summary>
    /// The admin key this start created because the store had no active admin key (a first start), for the banner to
    /// show once; null otherwise (the store keeps only the secret's hash, so it can never be shown again).
    /// </summary>
    public AccessKeyToken? BootstrapKey { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Builds and starts a server. <paramref name="configureServices"/> may replace services (tests swap the runtime).
    /// A config file that cannot be used throws <see cref="StasisConfigException"/> before anything starts.
    /// </summary>
    public static async Task<StasisServer> StartAsync(
        StasisServerOptions options,
        Action<IServiceCollection>? configureServices = null,
        Action<ILoggingBuilder>? configureLogging = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        NativeHeap.LimitArenas(); // before the server's threads start allocating (docs/reliability.md, "Memory")
        options = ServerConfigFile.Apply(options);
        var endpoint = ParseListen(options.Listen);
        if (File.Exists(options.DataDirectory))
        {
            throw new ArgumentException($"--data '{options.DataDirectory}' is a file; give a directory (it is created if missing).");
        }

        if (options.ScaleOutIntervals is < 1 or > 1000 || options.ScaleInIntervals is < 1 or > 1000)
        {
            throw new ArgumentException($"--scale-out-intervals and --scale-in-intervals must be from 1 to 1000, not {options.ScaleOutIntervals} and {options.ScaleInIntervals}.");
        }

        if (options.LogQuotaBytes is < 1L << 20 or > 1L << 40)
        {
            throw new ArgumentException($"--log-quota must be from 1MB to 1TB, not {options.LogQuotaBytes} bytes.");
        }

        if (options.InstancePidsLimit is < 16 or > 4_194_304)
        {
            throw new ArgumentException($"--instance-pids must be from 16 to 4194304, not {options.InstancePidsLimit}.");
        }

        var proxies = Connections.TrustedProxies.Parse(options.TrustedProxies);
        RequireOffOrBetween("--memory-trim-interval", options.MemoryTrimInterval, TimeSpan.FromSeconds(1), "1s", TimeSpan.FromHours(1), "1h");
        RequireOffOrBetween("--memory-compact-interval", options.MemoryCompactInterval, TimeSpan.FromSeconds(10), "10s", TimeSpan.FromHours(1), "1h");

        // The content root is the install directory, and configuration is not reloaded on change: the
        // default (the current directory, watched recursively) would watch ./.stasis and wake on every log flush.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders();
        if (configureLogging is null)
        {
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Logging.AddFilter("Yarp", LogLevel.Warning); // two lines per proxied request otherwise
        }
        else
        {
            configureLogging(builder.Logging);
        }

        var openFiles = OpenFiles.RaiseToHard();
        var (maxConnections, maxPerAddress) = Connections.ConnectionGate.Caps(openFiles.After, options.Limits.MaxConnections, options.Limits.MaxConnectionsPerAddress);
        builder.Services.AddSingleton(sp => new Connections.ConnectionGate(maxConnections, maxPerAddress, proxies, openFiles.After,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Connections")));
        builder.WebHost.ConfigureKestrel(k =>
        {
            var gate = k.ApplicationServices.GetRequiredService<Connections.ConnectionGate>();
            k.Listen(endpoint, listen => listen.Use(next => new Connections.ConnectionGateMiddleware(next, gate).OnConnectionAsync));
            k.AddServerHeader = false;
            ApplyLimits(k.Limits, options);
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.DrainTimeout + options.StopGrace + TimeSpan.FromSeconds(5));
        ServerComposition.AddStasis(builder.Services, options, AuthSettings.For(endpoint, options, proxies.Any));
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        // Before anything listens: the store first (a lock held by another process or a full disk stops the start
        // with StoreUnavailableException before any instance is touched), then a malformed STASIS_ADMIN_KEY stops
        // the start, and an admin key exists once it is up.
        AccessKeyToken? bootstrapKey;
        try
        {
            var db = app.Services.GetRequiredService<Storage.StasisDb>();
            var storeLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Store");
            if (db.StartupCheck.Finished)
            {
                storeLog.LogInformation("Store {File} checked (quick_check) in {Ms:0} ms", db.FilePath, db.StartupCheck.Took.TotalMilliseconds);
            }
            else
            {
                storeLog.LogWarning("Store {File}: quick_check did not finish within {Seconds:0} s and was cut short (a large store, or a slow disk); `stasis store check --data {Directory}` checks all of it. Damage past what was checked answers 503 StoreDamaged where it is read",
                    db.FilePath, options.StoreCheckTimeout.TotalSeconds, Path.GetDirectoryName(db.FilePath));
            }
            app.Services.GetRequiredService<ReplayCache>(); // the replay journal read back before any request
            try
            {
                bootstrapKey = app.Services.GetRequiredService<AccessKeys>().Bootstrap(options.AdminKey);
            }
            catch (Exception e) when (Storage.StoreFaults.Classify(e) is { } fault)
            {
                throw new Storage.StoreUnavailableException($"the admin key could not be stored: {Storage.StoreFaults.Describe(fault, db.FilePath)}", e);
            }
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Connections");
        if (openFiles.After > openFiles.Before)
        {
            logger.LogInformation("Open-file limit raised from {Before} to its hard limit {After}", openFiles.Before, openFiles.After);
        }

        var fitting = Connections.ConnectionGate.Defaults(openFiles.After).Max;
        if (openFiles.After > 0 && maxConnections > fitting)
        {
            logger.LogWarning("limits.maxConnections {Max} is more than the open-file limit {Limit} leaves room for ({Fitting}): past that, connections and instances may fail with 'too many open files'. Raise the hard limit (ulimit -Hn, LimitNOFILE=) or lower --max-connections",
                maxConnections, openFiles.After, fitting);
        }

        ServerComposition.MapStasis(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return new StasisServer(app, address, options, bootstrapKey);
    }

    /// <summary>Completes when the host stops (Ctrl-C, SIGTERM or <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops taking requests, drains in-flight ones, then stops every instance the server started.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// What Kestrel enforces before a request reaches Stasis (docs/limits.md): body and header sizes, header count,
    /// how long headers and idle connections may take, and the slowest a client may send or read.
    /// </summary>
    private static void RequireOffOrBetween(string option, TimeSpan value, TimeSpan min, string minText, TimeSpan max, string maxText)
    {
        if (value != TimeSpan.Zero && (value < min || value > max))
        {
            throw new ArgumentException($"{option} must be 0 (off) or from {minText} to {maxText}, not {value}.");
        }
    }

    private static void ApplyLimits(KestrelServerLimits kestrel, StasisServerOptions options)
    {
        var limits = options.Limits;
        kestrel.MaxRequestBodySize = options.MaxRequestBodyBytes;
        kestrel.MaxRequestHeadersTotalSize = limits.EffectiveMaxRequestHeadersBytes;
        kestrel.MaxRequestHeaderCount = limits.EffectiveMaxRequestHeaderCount;
        kestrel.RequestHeadersTimeout = limits.EffectiveRequestHeadersTimeout;
        kestrel.KeepAliveTimeout = limits.EffectiveKeepAliveTimeout;
        var grace = limits.EffectiveMinDataRateGrace;
        kestrel.MinRequestBodyDataRate = limits.EffectiveMinRequestBodyBytesPerSecond > 0
            ? new MinDataRate(limits.EffectiveMinRequestBodyBytesPerSecond, grace)
            : null;
        kestrel.MinResponseDataRate = limits.EffectiveMinResponseBytesPerSecond > 0
            ? new MinDataRate(limits.EffectiveMinResponseBytesPerSecond, grace)
            : null;
    }

    internal static IPEndPoint ParseListen(string listen)
    {
        var text = listen.Trim();
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            text = text["http://".Length..].TrimEnd('/');
        }

        if (text.StartsWith(':'))
        {
            text = "127.0.0.1" + text;
        }

        if (text.Equals("localhost", StringComparison.OrdinalIgnoreCase) || text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            text = "127.0.0.1" + text["localhost".Length..];
        }

        if (!IPEndPoint.TryParse(text, out var ep) || !text.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"--listen '{listen}' is not HOST:PORT (for example 127.0.0.1:7070).");
        }

        if (ep.Port is < 0 or > 65535)
        {
            throw new ArgumentException($"--listen port {ep.Port} is outside 0-65535.");
        }

        // [::ffff:127.0.0.1]:P is an IPv4 address written as IPv6: a socket binds it only as the IPv4 address it is.
        return ep.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(ep.Address.MapToIPv4(), ep.Port) : ep;
    }
}
