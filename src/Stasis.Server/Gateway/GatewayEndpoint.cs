using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Stasis.Client.Specs;
using Stasis.Server.Functions;
using Stasis.Server.Hosting;
using Stasis.Server.Instances;
using Stasis.Server.Metrics;
using Stasis.Server.Scheduling;
using Stasis.Server.Security;
using Yarp.ReverseProxy.Forwarder;

namespace Stasis.Server.Gateway;

/// <summary>
/// The HTTP trigger: <c>/fn/{functionName}/{**path}</c>. Finds the function, checks the method, the caller's key
/// (<c>authType: function</c> triggers only) and the body size, waits for a slot on an instance, and forwards the
/// request to it with YARP's forwarder.
/// </summary>
internal static class GatewayEndpoint
{
    public const string Prefix = "/fn";

    public static void MapGateway(this IEndpointRouteBuilder routes)
    {
        // Singletons, resolved once rather than on every request.
        var services = routes.ServiceProvider;
        var registry = services.GetRequiredService<FunctionRegistry>();
        var options = services.GetRequiredService<StasisServerOptions>();
        var log = services.GetRequiredService<IFunctionLog>();
        var forwarder = services.GetRequiredService<IHttpForwarder>();
        var metrics = services.GetRequiredService<MetricsCollector>();
        var authenticator = services.GetRequiredService<RequestAuthenticator>();
        // Public to the control API's gate: a trigger's own authType decides who may call it.
        routes.Map(Prefix + "/{name}/{**path}", (HttpContext context, string name, string? path) =>
            HandleAsync(context, name, path, registry, options, log, forwarder, metrics, authenticator))
            .WithDisplayName("gateway").WithMetadata(PublicEndpoint.Instance);
    }

    private static async Task HandleAsync(HttpContext context, string name, string? path,
        FunctionRegistry registry, StasisServerOptions options, IFunctionLog log, IHttpForwarder forwarder, MetricsCollector metrics,
        RequestAuthenticator authenticator)
    {
        var requestId = NewRequestId();
        context.Response.Headers["x-fc-request-id"] = requestId;

        // Names in the registry were checked when they were deployed: only a miss needs the check.
        if (!registry.TryGetDispatcher(name, out var dispatcher))
        {
            if (FunctionSpecValidator.FunctionNameProblem(name) is { } problem)
            {
                await GatewayErrors.WriteAsync(context, 400, "InvalidFunctionName", $"not a function name: {problem}.", requestId).ConfigureAwait(false);
                return;
            }

            await GatewayErrors.WriteAsync(context, 404, "FunctionNotFound", $"function '{name}' does not exist; deploy it first (./stasis deploy -t s.yaml) or check `./stasis functions`.", requestId).ConfigureAwait(false);
            return;
        }

        // Every answer from here on is an invocation of the function, in its metrics.
        var recorder = metrics.For(name);
        var began = Stopwatch.GetTimestamp();
        var entered = false;
        var failed = false;
        int? outcome = null;
        Lease? lease = null;
        try
        {
            var route = GatewayRoute.For(dispatcher.Record, options.Region);
            if (!route.Allows(context.Request.Method))
            {
                context.Response.Headers.Allow = route.Allow;
                await GatewayErrors.WriteAsync(context, 405, "MethodNotAllowed", $"the HTTP trigger of '{name}' accepts {route.Allow}, not {context.Request.Method}.", requestId).ConfigureAwait(false);
                return;
            }

            if (context.Request.ContentLength > options.MaxRequestBodyBytes)
            {
                await GatewayErrors.WriteAsync(context, 413, "PayloadTooLarge", $"the request body is {context.Request.ContentLength} bytes; the limit is {options.MaxRequestBodyBytes} bytes.", requestId).ConfigureAwait(false);
                return;
            }

            // An anonymous trigger costs one field read here: no store, no allocation.
            if (route.RequiresKey(context.Request.Method) && !await AuthorizeAsync(context, name, authenticator, options, requestId).ConfigureAwait(false))
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            if (!TryReadDeadline(context.Request, out var clientDeadline))
            {
                await GatewayErrors.WriteAsync(context, 400, "InvalidDeadline",
                    $"{DeadlineHeader} must be a whole number of milliseconds between 1 and {MaxDeadlineMs}.", requestId).ConfigureAwait(false);
                return;
            }

            if (!dispatcher.TryAdmit(out var refusal))
            {
                await WriteDispatchErrorAsync(context, refusal, requestId).ConfigureAwait(false);
                return;
            }

            var waitTimeout = clientDeadline is { } d && d < route.WaitTimeout ? d : route.WaitTimeout;
            lease = await AcquireAsync(context, dispatcher, route, path, waitTimeout, name, requestId).ConfigureAwait(false);
            if (lease is null)
            {
                return; // answered already, or the client left
            }

            // No retry on another instance: once a connection was made the function may have seen the request.
            recorder.Enter();
            entered = true;
            var body = context.Response.Body;
            try
            {
                if (lease.Session is { HeldByStream: true, Id: null } opening)
                {
                    // MCP SSE: the stream's endpoint event names the session its instance now holds.
                    var dispatcherOfSession = lease.Dispatcher;
                    context.Response.Body = new SseEndpointSniffer(body, id => dispatcherOfSession.NameSession(opening, id));
                }

                outcome = await ForwardAsync(context, lease, route, path, requestId, started, options, log, forwarder).ConfigureAwait(false);
            }
            finally
            {
                context.Response.Body = body;
                lease.Release(route.Sessions?.Ends(context.Request, lease) ?? true);
            }
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            RecordInvocation(context, recorder, requestId, path, began, entered, lease, failed, outcome);
        }
    }

    /// <summary>
    /// Reports the invocation to the function's metrics: its status (the one the log's End line gives once it was
    /// forwarded; else 499 when the client left, 500 when an exception escaped, which the exception handler answers), whether the function flagged an error with <c>x-fc-status</c>,
    /// its latency from arrival and, when it got a slot, its wait for it; and, for the recent invocations, its request
    /// id, method, path and, when it reached one, the instance and how it found it.
    /// </summary>
    private static void RecordInvocation(HttpContext context, FunctionRecorder recorder, string requestId, string? path, long began, bool entered, Lease? lease, bool failed, int? outcome)
    {
        var status = outcome is { } forwarded && !failed ? forwarded
            : context.RequestAborted.IsCancellationRequested ? 499 : failed ? 500 : context.Response.StatusCode;
        var fcStatus = context.Response.Headers["x-fc-status"].ToString();
        var functionError = fcStatus.Length > 0 && fcStatus != "200";
        var served = entered ? lease : null;
        recorder.Complete(status, functionError, Stopwatch.GetElapsedTime(began), lease?.QueueWait, entered,
            new InvocationCall(requestId, context.Request.Method, path, served?.InstanceId, served?.Arrival));
    }

    /// <summary>
    /// A function-auth trigger: the caller needs a key with scope admin or <c>invoke:NAME</c>. False when an error was
    /// answered: 401 (no valid key), 403 (another scope), 413 (a signed body over the limit), 429 (replay cache full).
    /// </summary>
    private static async Task<bool> AuthorizeAsync(HttpContext context, string name, RequestAuthenticator authenticator, StasisServerOptions options, string requestId)
    {
        AuthResult result;
        try
        {
            result = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            await GatewayErrors.WriteAsync(context, 413, "PayloadTooLarge", $"the request body exceeds the limit of {options.MaxRequestBodyBytes} bytes.", requestId).ConfigureAwait(false);
            return false;
        }

        if (result.Key is not { } key)
        {
            ControlAuth.AddHeaders(context.Response, result);
            await GatewayErrors.WriteAsync(context, result.Status, result.Code, result.Message, requestId).ConfigureAwait(false);
            return false;
        }

        if (!key.Scope.MayInvoke(name))
        {
            await GatewayErrors.WriteAsync(context, 403, "Forbidden",
                $"access key {key.Id} has scope '{key.Scope}'; invoking '{name}' needs scope admin or {AccessKeyScope.Invoke(name)}.", requestId).ConfigureAwait(false);
            return false;
        }

        return true;
    }

    /// <summary>A client's own deadline for the wait in the queue (milliseconds); it can only shorten the function's.</summary>
    public const string DeadlineHeader = "x-stasis-deadline-ms";
    private const int MaxDeadlineMs = 86_400_000;

    private static bool TryReadDeadline(HttpRequest request, out TimeSpan? deadline)
    {
        deadline = null;
        if (!request.Headers.TryGetValue(DeadlineHeader, out var values))
        {
            return true;
        }

        if (values.Count == 1 && int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is >= 1 and <= MaxDeadlineMs)
        {
            deadline = TimeSpan.FromMilliseconds(ms);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The one call for a slot on an instance ready to take the request (thawed, rerouted after a failed thaw), waiting at
    /// most the route's wait timeout; null when an error was answered or the client left.
    /// </summary>
    private static async Task<Lease?> AcquireAsync(HttpContext context, FunctionDispatcher dispatcher, GatewayRoute route, string? path, TimeSpan waitTimeout, string name, string requestId)
    {
        var ready = new ReadyRequest(requestId);
        if (route.Sessions is { } sessions)
        {
            if (!sessions.TryRead(context.Request, path, out var sessionId, out var ask, out var stream, out var problem))
            {
                await GatewayErrors.WriteAsync(context, 400, "InvalidSessionId", problem + ".", requestId).ConfigureAwait(false);
                return null;
            }

            ready = new ReadyRequest(requestId, ask, sessionId, stream);
        }

        try
        {
            // A free slot on a warm instance completes at once, without a timer or a wait.
            return await dispatcher.AcquireReadyAsync(ready, waitTimeout, context.RequestAborted).ConfigureAwait(false);
        }
        catch (DispatchException e)
        {
            await WriteDispatchErrorAsync(context, e, requestId).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            var refusal = dispatcher.StartRefusal() is { } why ? $"; no new one could start: {why}" : "";
            await GatewayErrors.WriteAsync(context, 504, "QueueTimeout", $"no instance of '{name}' became free within {waitTimeout.TotalSeconds:0.###}s{refusal}.", requestId).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the client went away while queued: its place is freed, nothing to answer
        }

        return null;
    }

    /// <summary>The dispatcher's refusal as JSON, with <c>Retry-After</c> (whole seconds) on a 429.</summary>
    private static Task WriteDispatchErrorAsync(HttpContext context, DispatchException e, string requestId)
    {
        if (e.RetryAfter is { } retry)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        return GatewayErrors.WriteAsync(context, e.StatusCode, e.Code, e.Message, requestId);
    }

    /// <summary>Forwards the request to the lease's instance; returns the status the invocation ends with, as its End line gives it.</summary>
    private static async Task<int> ForwardAsync(HttpContext context, Lease lease, GatewayRoute route, string? path, string requestId,
        long started, StasisServerOptions options, IFunctionLog log, IHttpForwarder forwarder)
    {
        var name = route.Spec.FunctionName;
        var timeout = route.ExecutionTimeout;
        var instanceId = lease.InstanceId;
        log.Write(name, $"FC Invoke Start RequestId: {requestId}");
        context.Features.Set(new GatewayCall(requestId, route, "/" + path, lease));
        using var deadline = new CancellationTokenSource(timeout);

        // The End line is written through before the client can have the whole answer (ResponseEndHook): a
        // request answered before a kill -9 has its line in the log.
        var ended = 0;
        void WriteEnd(int status)
        {
            if (Interlocked.Exchange(ref ended, 1) == 0)
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var fcStatus = context.Response.Headers["x-fc-status"].ToString();
                log.Write(name, string.Create(CultureInfo.InvariantCulture,
                    $"FC Invoke End RequestId: {requestId}, Status: {status}{(fcStatus.Length > 0 ? $", FunctionStatus: {fcStatus}" : "")}, Duration: {elapsed:0.###} ms, Instance: {instanceId}"));
            }
        }

        var body = context.Response.Body;
        var hook = new ResponseEndHook(body, context.Response, () => WriteEnd(context.Response.StatusCode));
        context.Response.Body = hook;
        ForwarderError error;
        try
        {
            error = await forwarder.SendAsync(context, lease.Destination, lease.Invoker, route.Forwarding, FcRequestTransformer.Instance, deadline.Token).ConfigureAwait(false);
        }
        finally
        {
            context.Response.Body = body;
        }

        var status = context.Response.StatusCode;
        if (error != ForwarderError.None)
        {
            var exception = context.GetForwarderErrorFeature()?.Exception;
            (status, var code, var message) = Classify(error, exception, deadline.IsCancellationRequested, timeout, name, instanceId, options);
            var clientLeft = error is ForwarderError.ResponseBodyClient
                || (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled && context.RequestAborted.IsCancellationRequested);
            if (clientLeft)
            {
                status = 499;
            }
            else
            {
                // Let the dispatcher learn of a dead process before the client can send its next request, and say how it
                // ended: killed for going over memorySize, say.
                if (status == 502 && await lease.ExitReasonWithinAsync(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false) is { } exit)
                {
                    message = $"instance {instanceId} of '{name}' {exit} while answering; the request may have run in part.";
                }

                if (context.Response.HasStarted)
                {
                    // The answer was cut short after its status went out: the client's connection is aborted (so that it
                    // cannot take the part it got for the whole), and the invocation ends with the error, as the End line says.
                    log.Write(name, string.Create(CultureInfo.InvariantCulture,
                        $"FC Invoke Cut RequestId: {requestId}, Status: {status}: the response was cut short after it had started ({message}); the client's connection was closed under the partial answer"));
                    context.Abort();
                }
                else
                {
                    await GatewayErrors.WriteAsync(context, status, code, message, requestId).ConfigureAwait(false);
                }
            }

            if (hook.Fired)
            {
                // The End line went out with the last write, which then failed.
                log.Write(name, string.Create(CultureInfo.InvariantCulture,
                    $"FC Invoke Cut RequestId: {requestId}, Status: {status}: the end of the response did not reach the client ({error})"));
            }
        }

        WriteEnd(status);
        return status;
    }

    private static (int Status, string Code, string Message) Classify(ForwarderError error, Exception? exception, bool timedOut, TimeSpan timeout, string name, string instanceId, StasisServerOptions options)
    {
        if (timedOut || error == ForwarderError.RequestTimedOut)
        {
            return (504, "FunctionTimeout", $"function '{name}' did not answer within its timeout of {timeout.TotalSeconds:0.###}s (instance {instanceId}).");
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: 413 })
            {
                return (413, "PayloadTooLarge", $"the request body exceeds the limit of {options.MaxRequestBodyBytes} bytes.");
            }

            if (e is BadHttpRequestException { StatusCode: 408 })
            {
                return (408, "RequestTimeout", Api.ApiErrors.SlowBody(options.Limits));
            }
        }

        if (error is ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled)
        {
            return (400, "BadRequestBody", $"the request body could not be read: {exception?.Message}");
        }

        return (502, "InstanceError", $"instance {instanceId} of '{name}' failed to answer ({error}): {exception?.Message ?? "connection closed"}.");
    }

    /// <summary>Unique per server run and cheap: a random prefix fixed at start-up and a counter.</summary>
    private static string NewRequestId() =>
        string.Create(CultureInfo.InvariantCulture, $"{RequestIdPrefix}-{Interlocked.Increment(ref _requestCounter):x12}");

    private static readonly string RequestIdPrefix = Guid.NewGuid().ToString("N")[..12];
    private static long _requestCounter;
}
