using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.Server.Api;
using Stasis.Server.Autoscaling;
using Stasis.Server.Functions;
using Stasis.Server.Gateway;
using Stasis.Server.Instances;
using Stasis.Server.Logs;
using Stasis.Server.Metering;
using Stasis.Server.Metrics;
using Stasis.Server.Runtime;
using Stasis.Server.Scheduling;
using Stasis.Server.Security;
using Stasis.Server.Storage;
using Stasis.Server.Storage.Sqlite;
using Stasis.Server.WebConsole;

namespace Stasis.Server.Hosting;

/// <summary>Registers Stasis' services and maps its endpoints.</summary>
internal static class ServerComposition
{
    public static void AddStasis(IServiceCollection services, StasisServerOptions options, AuthSettings auth)
    {
        services.AddSingleton(options);
        services.AddSingleton(auth);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpForwarder();
        // One server per data directory: its lock is taken before the store is opened and let go when the host is disposed.
        services.AddSingleton(sp => DataDirectoryLock.Acquire(options.DataDirectory, options.StoreLockWait,
            waiting => sp.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Store").LogWarning("{Reason}", waiting)));
        services.AddSingleton(sp =>
        {
            sp.GetRequiredService<DataDirectoryLock>();
            return new StasisDb(options.DataDirectory, options.StoreLockWait,
                waiting => sp.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Store").LogWarning("{Reason}", waiting), options.StoreCheckTimeout);
        });
        services.AddSingleton<StoreHealth>();
        services.AddSingleton<DeferredWrites>();
        services.AddSingleton<SqliteFunctionCatalog>(); // the SQLite implementation of the port
        services.AddSingleton<IFunctionCatalog>(sp => sp.GetRequiredService<SqliteFunctionCatalog>());
        services.AddSingleton<SqliteProvisionCatalog>(); // the SQLite implementation of the port
        services.AddSingleton<IProvisionCatalog>(sp => sp.GetRequiredService<SqliteProvisionCatalog>());
        services.AddSingleton<SqliteInstanceJournal>(); // the SQLite implementation of the ports
        services.AddSingleton<IInstanceHistory>(sp => sp.GetRequiredService<SqliteInstanceJournal>());
        services.AddSingleton(sp => new FunctionLogBook(options.DataDirectory, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Logs"), options.LogQuotaBytes));
        services.AddSingleton<IFunctionLog>(sp => sp.GetRequiredService<FunctionLogBook>());
        services.AddSingleton(sp => new Images.ImageStore(options.ImageStoreDirectory ?? Path.Combine(options.DataDirectory, "images"),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Images"), sp.GetRequiredService<TimeProvider>(), options.RegistryAuthFile));
        services.AddSingleton(new FunctionCode(Path.Combine(options.DataDirectory, "code")));
        services.AddSingleton<InstanceLaunchFactory>();
        services.TryAddSingleton<IInstanceRuntime>(sp => DefaultRuntime.Create(sp));
        services.AddSingleton(sp => new DispatcherContext(
            sp.GetRequiredService<IInstanceRuntime>(),
            sp.GetRequiredService<InstanceLaunchFactory>(),
            sp.GetRequiredService<SqliteInstanceJournal>(),
            sp.GetRequiredService<IFunctionLog>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Dispatcher"),
            options.InstanceIdleTimeout,
            options.StopGrace,
            options.Region,
            sp.GetRequiredService<IInstanceMeter>(),
            options.FreezeGrace)
        {
            Starts = new StartGate(options.MaxConcurrentStarts),
            Budget = sp.GetRequiredService<InstanceBudget>(),
        });
        services.AddSingleton(_ => new InstanceBudget(options.Limits.EffectiveMaxInstancesTotal));
        services.AddSingleton<SqliteScalingJournal>(); // the SQLite implementation of the port
        services.AddSingleton<Autoscaling.IScalingHistory>(sp => sp.GetRequiredService<SqliteScalingJournal>());
        services.AddSingleton(sp => new ProvisionScaler(sp.GetRequiredService<SqliteScalingJournal>(),
            new ScalingSettings(options.ScaleOutIntervals, options.ScaleInIntervals)));
        services.AddSingleton<FunctionRegistry>();
        services.AddSingleton<SqliteMeterLedger>(); // the SQLite implementation of the port
        services.AddSingleton<Metering.IMeterLedger>(sp => sp.GetRequiredService<SqliteMeterLedger>());
        services.AddSingleton<Meter>();
        services.AddSingleton<IInstanceMeter>(sp => sp.GetRequiredService<Meter>());
        services.AddSingleton<MeterJournal>();
        // Hosted services start in this order and stop in the reverse: the meter recovers before any
        // instance starts, and writes its last heartbeat after every instance has ended.
        services.AddHostedService<MeterHeartbeat>();
        services.AddHostedService<DeferredWritesService>();
        services.AddHostedService<StasisLifecycle>();
        services.AddSingleton<NativeHeapTrimmer>();
        services.AddHostedService(sp => sp.GetRequiredService<NativeHeapTrimmer>());
        services.AddSingleton<ManagedHeapCompactor>();
        services.AddHostedService(sp => sp.GetRequiredService<ManagedHeapCompactor>());
        AddMetrics(services, options);
        AddSecurity(services, options);
    }

    /// <summary>Access keys and request authentication (docs/security.md).</summary>
    private static void AddSecurity(IServiceCollection services, StasisServerOptions options)
    {
        services.AddSingleton(sp =>
        {
            sp.GetRequiredService<DataDirectoryLock>(); // the data directory checked and private first
            return ServerKey.Load(options.DataDirectory, options.ServerKeyFile);
        });
        services.AddSingleton<SqliteAccessKeyCatalog>(); // the SQLite implementation of the port
        services.AddSingleton<IAccessKeyCatalog>(sp => sp.GetRequiredService<SqliteAccessKeyCatalog>());
        services.AddSingleton<AccessKeys>();
        services.TryAddSingleton(sp =>
        {
            sp.GetRequiredService<DataDirectoryLock>(); // the journal is this server's alone
            try
            {
                return ReplayCache.Open(ReplayCache.DefaultCapacity, options.DataDirectory, sp.GetRequiredService<TimeProvider>().GetUtcNow());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Security").LogWarning(
                    "the replay journal {File} cannot be used ({Reason}); signed requests are refused a second time only until the server restarts",
                    Path.Combine(options.DataDirectory, ReplayJournal.FileName), e.Message);
                return new ReplayCache(ReplayCache.DefaultCapacity);
            }
        });
        services.AddSingleton<RequestAuthenticator>();
    }

    /// <summary>Metrics (docs/metrics.md): sampled after the functions are loaded, closed before their instances stop.</summary>
    private static void AddMetrics(IServiceCollection services, StasisServerOptions options)
    {
        services.AddSingleton<SqliteMetricsArchive>(); // the SQLite implementation of the port
        services.AddSingleton<Metrics.IMetricsArchive>(sp => sp.GetRequiredService<SqliteMetricsArchive>());
        services.AddSingleton(sp =>
        {
            var metrics = new PrometheusMetrics();
            metrics.Watch(sp.GetRequiredService<Connections.ConnectionGate>());
            return metrics;
        });
        services.TryAddSingleton<IGpuMemoryProbe>(sp => NvidiaSmiProbe.Detect(sp.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Metrics")));
        services.AddSingleton(sp =>
        {
            var registry = sp.GetRequiredService<FunctionRegistry>();
            var collector = new MetricsCollector(
                () => registry.All.Select(d => d.LoadSample()).ToList(),
                options.EffectiveMetricsInterval,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<IGpuMemoryProbe>(),
                sp.GetRequiredService<PrometheusMetrics>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Stasis.Metrics"));
            // Target tracking weighs each closed interval (docs/autoscaling.md).
            var scaler = sp.GetRequiredService<ProvisionScaler>();
            collector.IntervalClosed += point =>
            {
                scaler.OnInterval(point.FunctionName, ScalingMetrics.From(point));
                registry.Rescale(point.FunctionName); // decide as the interval closes, not up to a tick later
            };
            return collector;
        });
        services.AddSingleton<MetricsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricsSampler>());
        services.AddSingleton<StorageReport>();
    }

    public static void MapStasis(WebApplication app)
    {
        var limit = app.Services.GetRequiredService<StasisServerOptions>().MaxRequestBodyBytes;
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = async context =>
            {
                var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                if (StoreFaults.Classify(exception) is { } fault)
                {
                    await StoreFaultResult(context, fault, exception!).ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }

                context.Response.StatusCode = exception is BadHttpRequestException bad ? bad.StatusCode : 500;
                var (code, message) = context.Response.StatusCode switch
                {
                    500 => ("InternalError", exception?.Message ?? "unexpected error"),
                    413 => ("PayloadTooLarge", $"the request body is over the server's limit of {limit} bytes (--max-body); send a smaller one."),
                    _ => ("BadRequest", exception?.Message ?? "the request could not be read"),
                };
                await ApiErrors.Error(context.Response.StatusCode, code, message).ExecuteAsync(context).ConfigureAwait(false);
            },
            // A store fault is the user's to fix and StoreHealth logs it once; no stack trace per request.
            SuppressDiagnosticsCallback = d => StoreFaults.Classify(d.Exception) is not null,
        });
        app.UseStatusCodePages(StatusCodeBodies.WriteAsync);
        // A request the client got wrong or sent too slowly (Kestrel's BadHttpRequestException: 408 body rate, 413 body
        // size, a body cut short) is answered as JSON without the exception handler's error log.
        var options = app.Services.GetRequiredService<StasisServerOptions>();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await ApiErrors.Error(e.StatusCode, ApiErrors.CodeOf(e.StatusCode), ApiErrors.Describe(e, options)).ExecuteAsync(context).ConfigureAwait(false);
            }
        });

        if (app.Services.GetRequiredService<Connections.ConnectionGate>().Proxies.Any)
        {
            app.UseMiddleware<Connections.ForwardedClientMiddleware>();
        }

        app.UseControlAuth();
        // Every GET route of the API and /metrics answers HEAD too, as HTTP asks (Kestrel sends no body for it).
        var api = app.MapGroup("");
        ((IEndpointConventionBuilder)api).Add(HeadForGet);
        api.MapStatusApi();
        api.MapFunctionsApi();
        api.MapProvisionApi();
        api.MapBillApi();
        api.MapMetricsApi();
        api.MapInvocationsApi();
        api.MapTimelineApi();
        api.MapKeysApi();
        api.MapImagesApi();
        api.MapPrometheus();
        app.MapConsole();
        app.MapGateway();
        // Any path, "file-like" ones (/x/y.log) included, which the default fallback pattern leaves to an empty 404.
        app.MapFallback("{**path}", (HttpContext context) => ApiErrors.Error(404, "NotFound",
            $"no route for {context.Request.Method} {context.Request.Path}; functions are at /fn/NAME/..., the API at /api/v1/..."));
    }

    private static void HeadForGet(EndpointBuilder endpoint)
    {
        for (var i = 0; i < endpoint.Metadata.Count; i++)
        {
            if (endpoint.Metadata[i] is Microsoft.AspNetCore.Routing.HttpMethodMetadata { HttpMethods: var methods } && methods.Contains(HttpMethods.Get) && !methods.Contains(HttpMethods.Head))
            {
                endpoint.Metadata[i] = new Microsoft.AspNetCore.Routing.HttpMethodMetadata([.. methods, HttpMethods.Head]);
            }
        }
    }

    /// <summary>
    /// A control API write the store could not take: 503 <c>StoreBusy</c> with <c>Retry-After</c> when another
    /// process holds its lock past the busy timeout, 507 <c>InsufficientStorage</c> when the disk is full, 503
    /// <c>StoreDamaged</c> when what the request reads or writes is on a damaged page.
    /// </summary>
    private static IResult StoreFaultResult(HttpContext context, StoreFault fault, Exception exception)
    {
        context.RequestServices.GetRequiredService<StoreHealth>().Failed(fault,
            fault == StoreFault.Damaged ? $"{context.Request.Method} {context.Request.Path}" : "a control API change", exception);
        var file = context.RequestServices.GetRequiredService<StasisDb>().FilePath;
        if (fault == StoreFault.Busy)
        {
            context.Response.Headers.RetryAfter = "1";
            return ApiErrors.Error(503, "StoreBusy", StoreFaults.Describe(fault, file));
        }

        if (fault == StoreFault.Damaged)
        {
            return ApiErrors.Error(503, "StoreDamaged", StoreFaults.Describe(fault, file));
        }

        return ApiErrors.Error(507, "InsufficientStorage", StoreFaults.Describe(fault, file));
    }
}
