using Stasis.Cli.Output;

namespace Stasis.Tests.Cli;

public sealed class CurlHintsTests
{
    private const string Url = "http://127.0.0.1:7070/fn/x";

    [Fact]
    public void TextClassifierPostsPlainText() =>
        Assert.Equal(
            "curl http://127.0.0.1:7070/fn/x/invoke -H \"Content-Type: text/plain\" --data \"Nice to meet you\"",
            CurlHints.For("text-classifier", Url, "samples/text-classifier-python", _ => false));

    [Fact]
    public void ImageEmbeddingSendsTheSampleImage() =>
        Assert.Equal(
            "curl http://127.0.0.1:7070/fn/x/invoke --data-binary @samples/image-embedding-onnx/testdata/sample.png",
            CurlHints.For("image-embedding", Url + "/", "samples/image-embedding-onnx", _ => false));

    [Fact]
    public void OtherSamplesWithASampleImageSendIt() =>
        Assert.Equal(
            "curl http://127.0.0.1:7070/fn/x/invoke --data-binary @samples/other/testdata/sample.png",
            CurlHints.For("other", Url, "samples/other", p => p == "samples/other/testdata/sample.png"));

    [Fact]
    public void AnythingElseGetsAPlainPost() =>
        Assert.Equal("curl http://127.0.0.1:7070/fn/x/invoke -X POST", CurlHints.For("echo", Url, "samples/echo", _ => false));
}
