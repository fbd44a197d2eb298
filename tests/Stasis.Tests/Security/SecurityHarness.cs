using Stasis.Server.Storage.Sqlite;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Stasis.Client.Auth;
using Stasis.Server.Security;
using Stasis.Server.Storage;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Security;

/// <summary>Access keys over a real SQLite store in a temp directory, on a fake clock, and requests built as Kestrel would hand them over.</summary>
internal sealed class SecurityHarness : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public SecurityHarness(int replayCapacity = 1000)
    {
        Db = new StasisDb(_dir.Path);
        ServerKey = ServerKey.Load(_dir.Path, null);
        Store = new SqliteAccessKeyCatalog(Db, new DeferredWrites(Db, new StoreHealth(Time, NullLogger<StoreHealth>.Instance), NullLogger<DeferredWrites>.Instance), ServerKey);
        Keys = new AccessKeys(Store, Time, NullLoggerFactory.Instance);
        Replays = new ReplayCache(replayCapacity);
        Authenticator = new RequestAuthenticator(Keys, Replays, Time, NullLoggerFactory.Instance);
    }

    public FakeTimeProvider Time { get; } = new(Start);
    public StasisDb Db { get; }
    public ServerKey ServerKey { get; }
    public string Directory => _dir.Path;
    public SqliteAccessKeyCatalog Store { get; }
    public AccessKeys Keys { get; }
    public ReplayCache Replays { get; }
    public RequestAuthenticator Authenticator { get; }

    /// <summary>Keys read back from the store, as a restarted server would.</summary>
    public AccessKeys Reopen() => new(Store, Time, NullLoggerFactory.Instance);

    public AccessKeyToken NewKey(AccessKeyScope scope) => Keys.Create("test", scope).Token;

    /// <summary>A request signed by <paramref name="token"/> at <paramref name="at"/> (now by default), as the client's handler signs it.</summary>
    public static HttpRequestMessage Signed(AccessKeyToken token, HttpMethod method, string url, string body, DateTimeOffset at)
    {
        var message = new HttpRequestMessage(method, url);
        SigningHandler.Sign(message, token.Id, token.SecretHash(), at, Encoding.UTF8.GetBytes(body));
        return message;
    }

    /// <summary>What Kestrel would give the server for <paramref name="message"/> with <paramref name="body"/>.</summary>
    public static DefaultHttpContext Context(HttpRequestMessage message, string body)
    {
        var context = new DefaultHttpContext();
        var uri = message.RequestUri!;
        context.Request.Method = message.Method.Method;
        context.Request.Path = PathString.FromUriComponent(uri.AbsolutePath);
        context.Request.QueryString = new QueryString(uri.Query);
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = uri.PathAndQuery;
        foreach (var (name, values) in message.Headers)
        {
            context.Request.Headers[name] = values.ToArray();
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        return context;
    }

    public Task<AuthResult> AuthenticateAsync(HttpRequestMessage message, string body = "") =>
        Authenticator.AuthenticateAsync(Context(message, body)).AsTask();

    public void Dispose() => _dir.Dispose();
}
