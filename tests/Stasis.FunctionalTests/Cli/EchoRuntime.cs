using System.Net;
using Stasis.Server.Runtime;

namespace Stasis.FunctionalTests.Cli;

/// <summary>
/// Instances that live in memory and echo what they get: enough for the CLI tests to drive the real control API and
/// gateway without spawning processes. <c>/invoke</c> echoes the body and content type, <c>/fail</c> answers the
/// function's own 500, <c>/initialize</c> succeeds.
/// </summary>
internal sealed class EchoRuntime : IInstanceRuntime
{
    public string Name => "echo";

    public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string> { ["kind"] = "in-memory" };

    public Task<IReadOnlyList<string>> StopOrphansAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IRuntimeInstance> StartAsync(InstanceLaunch launch, CancellationToken cancellationToken) =>
        Task.FromResult<IRuntimeInstance>(new EchoInstance(launch.InstanceId));

    private sealed class EchoInstance(string id) : IRuntimeInstance
    {
        private readonly TaskCompletionSource<InstanceExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string InstanceId => id;
        public int? ProcessId => 4242;
        public HttpMessageInvoker Invoker { get; } = new(new EchoHandler());
        public Uri BaseAddress { get; } = new("http://127.0.0.1:9000/");
        public Task<InstanceExit> Exited => _exited.Task;

        public Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
        {
            _exited.TrySetResult(new InstanceExit(0, "stopped"));
            return Task.CompletedTask;
        }

        public Task FreezeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task ThawAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class EchoHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (path == "/fail")
            {
                return new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("model exploded") };
            }

            var response = new HttpResponseMessage(HttpStatusCode.OK);
            if (request.Content is not null)
            {
                var bytes = await request.Content.ReadAsByteArrayAsync(cancellationToken);
                response.Content = new ByteArrayContent(bytes);
                if (request.Content.Headers.ContentType is { } type)
                {
                    response.Content.Headers.ContentType = type;
                }
            }

            response.Headers.Add("x-echo-method", request.Method.Method);
            return response;
        }
    }
}
