using System.Text.Json;
using Stasis.Server.Images;

namespace Stasis.Tests.Images;

public sealed class ImageConfigTests
{
    [Fact]
    public void An_oci_image_config_gives_its_platform_start_and_tcp_ports()
    {
        var config = ImageConfig.Parse("""
            {"architecture": "arm64", "os": "linux",
             "config": {"Entrypoint": ["/bin/ollama"], "Cmd": ["serve"], "Env": ["PATH=/usr/bin", "OLLAMA_HOST=0.0.0.0"],
                        "WorkingDir": "/root", "User": "1000:1000", "ExposedPorts": {"11434/tcp": {}, "53/udp": {}, "8080": {}}}}
            """);

        Assert.Equal("linux/arm64", config.Platform);
        Assert.Equal(["/bin/ollama"], config.Entrypoint);
        Assert.Equal(["serve"], config.Cmd);
        Assert.Equal(["PATH=/usr/bin", "OLLAMA_HOST=0.0.0.0"], config.Env);
        Assert.Equal("/root", config.WorkingDir);
        Assert.Equal("1000:1000", config.User);
        Assert.Equal([8080, 11434], config.ExposedPorts);
    }

    [Fact]
    public void A_config_without_a_config_section_runs_nothing_of_its_own()
    {
        var config = ImageConfig.Parse("""{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}""");

        Assert.Empty(config.Entrypoint);
        Assert.Empty(config.Cmd);
        Assert.Equal("", config.User);
    }

    [Fact]
    public void What_is_not_a_config_object_is_refused() =>
        Assert.ThrowsAny<JsonException>(() => ImageConfig.Parse("[1, 2]"));
}
