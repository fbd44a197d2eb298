using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stasis.Server.Hosting;

namespace Stasis.Cli.Hosting;

/// <summary>
/// The one place the CLI touches Stasis.Server. Nothing else refers to its types, so client commands start without
/// loading ASP.NET Core; this class (and with it the server assembly) loads only for <c>server</c> and <c>up</c>.
/// </summary>
internal static class LocalServer
{
    /// <summary>Lets tests swap server services (the instance runtime) under <c>server</c> and <c>up</c>.</summary>
    internal static Action<IServiceCollection>? ConfigureServices { get; set; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<IRunningServer> StartAsync(ServerSettings settings, CancellationToken cancellationToken)
    {
        var options = new StasisServerOptions
        {
            Listen = settings.Listen,
            DataDirectory = settings.DataDirectory,
            InstanceIdleTimeout = settings.IdleTimeout,
            FreezeGrace = settings.FreezeGrace,
            MaxRequestBodyBytes = settings.MaxRequestBodyBytes,
            ConfigFile = settings.ConfigFile,
            MetricsInterval = settings.MetricsInterval,
            MetricsRetention = settings.MetricsRetention,
            ScaleOutIntervals = settings.ScaleOutIntervals,
            ScaleInIntervals = settings.ScaleInIntervals,
            // Left null without the flag, so the config file's auth.required can turn it on.
            RequireAuth = settings.RequireAuth ? true : null,
            AdminKey = settings.AdminKey,
            Limits = Limits(settings.Limits ?? new LimitSettings()),
            MemoryTrimInterval = settings.MemoryTrimInterval ?? ServerSettings.DefaultMemoryTrimInterval,
            MemoryCompactInterval = settings.MemoryCompactInterval ?? ServerSettings.DefaultMemoryCompactInterval,
            UnsafeNoSandbox = settings.UnsafeNoSandbox,
            ImageStoreDirectory = settings.ImageStore,
            RegistryAuthFile = settings.RegistryAuthFile,
            ServerKeyFile = settings.ServerKey,
            TrustedProxies = settings.TrustedProxies ?? [],
            LogQuotaBytes = settings.LogQuotaBytes ?? Stasis.Server.Logs.FunctionLogBook.DefaultQuotaBytes,
        };
        if (settings.InstancePids is { } pids)
        {
            options = options with { InstancePidsLimit = pids };
        }
        if (settings.MaxConcurrentStarts is { } starts)
        {
            options = options with { MaxConcurrentStarts = starts };
        }

        try
        {
            var server = await StasisServer.StartAsync(options, ConfigureServices, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new Running(server, settings.AdminKey);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        catch (StasisConfigException e)
        {
            throw new CliException($"the server did not start: {e.Message}", ExitCodes.Failure, e);
        }
        catch (Stasis.Server.Storage.StoreUnavailableException e)
        {
            throw new CliException($"the server did not start: {e.Message}", ExitCodes.Failure, e);
        }
        catch (IOException e) when (IsAddressInUse(e))
        {
            throw new CliException($"{settings.Listen} is already in use: is another `stasis server` running? Pick another address with --listen.", ExitCodes.Failure, e);
        }
        catch (IOException e)
        {
            throw new CliException($"cannot listen on {settings.Listen}: {e.Message}", ExitCodes.Failure, e);
        }
    }

    private static ServerLimits Limits(LimitSettings limits) => new()
    {
        // A size past int's range stays past the server's range, which then names the option.
        MaxRequestHeadersBytes = limits.MaxRequestHeadersBytes is { } bytes ? (int)Math.Min(bytes, int.MaxValue) : null,
        MaxRequestHeaderCount = limits.MaxRequestHeaderCount,
        RequestHeadersTimeout = limits.RequestHeadersTimeout,
        KeepAliveTimeout = limits.KeepAliveTimeout,
        MinRequestBodyBytesPerSecond = limits.MinRequestBodyBytesPerSecond,
        MinResponseBytesPerSecond = limits.MinResponseBytesPerSecond,
        MinDataRateGrace = limits.MinDataRateGrace,
        MaxInstancesTotal = limits.MaxInstancesTotal,
        MaxConnections = limits.MaxConnections,
        MaxConnectionsPerAddress = limits.MaxConnectionsPerAddress,
    };

    // Kestrel wraps the SocketException in its own AddressInUseException, itself inside an IOException.
    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Running(StasisServer server, string? adminKey) : IRunningServer
    {
        public string Address => server.Address.ToString().TrimEnd('/');

        public string DataDirectory => Path.GetFullPath(server.Options.DataDirectory);

        public string Banner
        {
            get
            {
                var runtime = server.Services.GetRequiredService<Stasis.Server.Runtime.IInstanceRuntime>();
                var description = runtime.Describe();
                var banner = $"Stasis listening on {Address} (data: {DataDirectory}){Environment.NewLine}"
                    + $"console: {Address}/console/{Environment.NewLine}"
                    + $"auth: {Auth()}{Environment.NewLine}"
                    + $"runtime: {runtime.Name} ({string.Join(", ", description.Select(kv => $"{kv.Key}: {kv.Value}"))})";
                if (server.Options.UnsafeNoSandbox)
                {
                    banner += $"{Environment.NewLine}WARNING: --unsafe-no-sandbox: functions run as plain processes of this server's user and can read its data directory, its keys and every function's code.";
                }
                else if (description.TryGetValue("sandbox", out var sandbox) && sandbox.StartsWith("unavailable", StringComparison.Ordinal))
                {
                    banner += $"{Environment.NewLine}WARNING: no instance can start: the sandbox is {sandbox}.";
                }
                if (server.BootstrapKey is { } key)
                {
                    banner += $"{Environment.NewLine}admin key created on this first start: {key.Value}"
                        + $"{Environment.NewLine}  This token will not be shown again: keep it now, e.g. as 'access_key = <token>' under [default] in ~/.config/stasis/credentials (chmod 600).";
                }

                return banner;
            }
        }

        public string? AdminToken => server.BootstrapKey?.Value ?? adminKey;

        private string Auth() => server.AuthRequired
            ? $"an access key is required on /api and /metrics ({server.AuthReason}); function-auth triggers need one too"
            : "/api and /metrics are open on loopback (--require-auth asks for a key); function-auth triggers need a key";

        public CancellationToken Stopping => server.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        public Task WaitForShutdownAsync(CancellationToken cancellationToken) => server.WaitForShutdownAsync(cancellationToken);

        public ValueTask DisposeAsync() => server.DisposeAsync();
    }
}
