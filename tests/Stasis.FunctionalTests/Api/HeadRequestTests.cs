using System.Net;

namespace Stasis.FunctionalTests.Api;

/// <summary>HEAD on the API's read routes and /metrics answers as GET does, without a body.</summary>
public sealed class HeadRequestTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("api/v1/status")]
    [InlineData("api/v1/functions")]
    [InlineData("api/v1/images")]
    [InlineData("metrics")]
    public async Task Head_OnAReadRoute_IsItsGetWithoutABody(string path)
    {
        using var get = await fx.Http.GetAsync(path);
        using var head = await fx.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Head_OnAWriteOnlyRoute_IsStill405OrNotFound()
    {
        using var head = await fx.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "api/v1/images/load"));

        Assert.NotEqual(HttpStatusCode.OK, head.StatusCode);
    }
}
