using Stasis.Server.Images;

namespace Stasis.Tests.Images;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("registry.cn-hangzhou.aliyuncs.com/ns/app:v1", "registry.cn-hangzhou.aliyuncs.com/ns/app:v1")]
    [InlineData("registry.example.com/ns/app", "registry.example.com/ns/app:latest")]
    [InlineData("localhost:5000/app", "localhost:5000/app:latest")]
    [InlineData("127.0.0.1:5000/ns/app:2.1-cuda", "127.0.0.1:5000/ns/app:2.1-cuda")]
    [InlineData("python:3.11", "python:3.11")]
    [InlineData("My.Registry.com/ns/app:v1", "My.Registry.com/ns/app:v1")]
    [InlineData(" ns/app:v1 ", "ns/app:v1")]
    public void References_are_kept_as_written_with_latest_where_they_have_no_tag(string given, string expected) =>
        Assert.Equal(expected, ImageReference.Normalize(given, out _));

    [Fact]
    public void A_digest_reference_gets_no_tag() =>
        Assert.Equal("ns/app@sha256:" + new string('a', 64), ImageReference.Normalize("ns/app@sha256:" + new string('a', 64), out _));

    [Theory]
    [InlineData("")]
    [InlineData("UPPER/case:v1")]
    [InlineData("ns/App:v1")]
    [InlineData("ns/app:")]
    [InlineData("ns//app")]
    [InlineData("ns/app:v1 extra")]
    [InlineData("ns/app@sha256:abc")]
    public void What_is_not_a_reference_gets_a_problem_that_shows_the_form(string given)
    {
        Assert.Null(ImageReference.Normalize(given, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Theory]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("0123456789ab", true)]
    [InlineData("0123456789a", false)]
    [InlineData("ns/app:v1", false)]
    public void Digests_and_their_prefixes_are_told_from_references(string text, bool digest) =>
        Assert.Equal(digest, ImageReference.IsDigest(text));
}
