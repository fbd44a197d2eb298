using System.Globalization;
using System.Text;
using Stasis.Client.Model;
using Stasis.Server.Clock;
using Stasis.Server.Runtime;

namespace Stasis.Server.Instances;

/// <summary>FC's lifecycle hooks: <c>POST /initialize</c> before any traffic, <c>GET /pre-stop</c> before a stop.</summary>
internal static class LifecycleHooks
{
    public static async Task InitializeAsync(IRuntimeInstance instance, FunctionSpec spec, string requestId, string region, TimeProvider time, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(spec.InstanceLifecycleConfig?.Initializer?.Timeout ?? FunctionDefaults.InitializerTimeoutSeconds);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(instance.BaseAddress, "initialize"));
        AddHeaders(request, spec, requestId, region);
        request.Content = new ByteArrayContent([]);
        var (status, body) = await SendAsync(instance, request, timeout, "initializer", time, cancellationToken).ConfigureAwait(false);
        if (status is < 200 or >= 300)
        {
            throw new InstanceStartException($"initializer (POST /initialize) answered {status}: {Excerpt(body)}");
        }
    }

    public static async Task PreStopAsync(IRuntimeInstance instance, FunctionSpec spec, string requestId, string region, TimeProvider time, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(spec.InstanceLifecycleConfig?.PreStop?.Timeout ?? FunctionDefaults.PreStopTimeoutSeconds);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(instance.BaseAddress, "pre-stop"));
        AddHeaders(request, spec, requestId, region);
        await SendAsync(instance, request, timeout, "pre-stop hook", time, cancellationToken).ConfigureAwait(false);
    }

    private static void AddHeaders(HttpRequestMessage request, FunctionSpec spec, string requestId, string region)
    {
        request.Headers.TryAddWithoutValidation("x-fc-request-id", requestId);
        request.Headers.TryAddWithoutValidation("x-fc-function-name", spec.FunctionName);
        request.Headers.TryAddWithoutValidation("x-fc-function-memory", spec.MemorySize.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-fc-qualifier", "LATEST");
        request.Headers.TryAddWithoutValidation("x-fc-region", spec.Region ?? region);
    }

    private static async Task<(int Status, string Body)> SendAsync(IRuntimeInstance instance, HttpRequestMessage request, TimeSpan timeout, string what, TimeProvider time, CancellationToken cancellationToken)
    {
        // The hook's timeout runs on the dispatcher's clock, as every other wait of the core does.
        using var cts = time.Deadline(timeout, cancellationToken);
        try
        {
            using var response = await instance.Invoker.SendAsync(request, cts.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false);
            return ((int)response.StatusCode, body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InstanceStartException($"{what} did not answer within {timeout.TotalSeconds:0.###}s");
        }
        catch (HttpRequestException e)
        {
            throw new InstanceStartException($"{what} failed: {e.Message}", inner: e);
        }
    }

    internal static string Excerpt(string body)
    {
        var text = body.Trim();
        if (text.Length == 0)
        {
            return "(empty body)";
        }

        var sb = new StringBuilder(text.Length > 300 ? text[..300] + "…" : text);
        sb.Replace('\n', ' ').Replace('\r', ' ');
        return sb.ToString();
    }
}
