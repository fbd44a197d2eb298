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
            Limits = Limits(settings.Limits ?? new LimitSettings()),
        };

        try
        {
            var server = await StasisServer.StartAsync(options, ConfigureServices, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new Running(server);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        catch (StasisConfigException e)
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

    private sealed class Running(StasisServer server) : IRunningServer
    {
        public string Address => server.Address.ToString().TrimEnd('/');

        public string DataDirectory => Path.GetFullPath(server.Options.DataDirectory);

        public string Banner
        {
            get
            {
                var runtime = server.Services.GetRequiredService<Stasis.Server.Runtime.IInstanceRuntime>();
                return $"Stasis listening on {Address} (data: {DataDirectory}){Environment.NewLine}"
                    + $"console: {Address}/console/{Environment.NewLine}"
                    + $"runtime: {runtime.Name} ({string.Join(", ", runtime.Describe().Select(kv => $"{kv.Key}: {kv.Value}"))})";
            }
        }

        public CancellationToken Stopping => server.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        public Task WaitForShutdownAsync(CancellationToken cancellationToken) => server.WaitForShutdownAsync(cancellationToken);

        public ValueTask DisposeAsync() => server.DisposeAsync();
    }
}
