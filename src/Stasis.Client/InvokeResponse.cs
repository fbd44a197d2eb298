using System.Text.Json;
using Stasis.Client.Model;

namespace Stasis.Client;

/// <summary>
/// The gateway's answer to an invocation, whatever its status: a function may answer 4xx/5xx on purpose,
/// so this is not turned into an exception. The body is streamed; dispose the response when done.
/// </summary>
public sealed class InvokeResponse : IAsyncDisposable, IDisposable
{
    public const string RequestIdHeader = "x-fc-request-id";

    private readonly HttpResponseMessage _response;

    internal InvokeResponse(HttpResponseMessage response, Stream body)
    {
        _response = response;
        Body = body;
        Headers = response.Headers.Concat(response.Content.Headers)
            .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v)))
            .ToList();
    }

    public int StatusCode => (int)_response.StatusCode;

    public string? ReasonPhrase => _response.ReasonPhrase;

    public Version HttpVersion => _response.Version;

    /// <summary>Response and content headers, one entry per value.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public Stream Body { get; }

    public string? ContentType => _response.Content.Headers.ContentType?.ToString();

    public string? RequestId => Header(RequestIdHeader);

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public async Task<byte[]> ReadBodyAsync(CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>
    /// The gateway's own error (<c>{"code","message"}</c> JSON) when <paramref name="body"/> is one; null for anything else,
    /// including a function's own error payloads that lack those fields.
    /// </summary>
    public ErrorBody? TryParseGatewayError(ReadOnlySpan<byte> body)
    {
        if (IsSuccess || ContentType is not { } type || !type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return ErrorBodies.TryParse(body);
    }

    public void Dispose()
    {
        Body.Dispose();
        _response.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

internal static class ErrorBodies
{
    public static ErrorBody? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            var body = JsonSerializer.Deserialize<ErrorBody>(json, JsonDefaults.Options);
            return body is { Code.Length: > 0, Message: not null } ? body : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
