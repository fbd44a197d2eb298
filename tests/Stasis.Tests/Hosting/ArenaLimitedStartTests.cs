using System.Text;
using Stasis.Server.Hosting;

namespace Stasis.Tests.Hosting;

public sealed class ArenaLimitedStartTests
{
    [Fact]
    public void TheCommandLineIsSplitAtItsNuls()
    {
        Assert.Equal(["/usr/bin/dotnet", "stasis.dll", "server", "--data", "a b", ""],
            ArenaLimitedStart.ParseCommandLine(Encoding.UTF8.GetBytes("/usr/bin/dotnet\0stasis.dll\0server\0--data\0a b\0\0\0")[..^1]));
        Assert.Equal(["stasis", "up"], ArenaLimitedStart.ParseCommandLine(Encoding.UTF8.GetBytes("stasis\0up\0")));
        Assert.Equal(["stasis", "ünïcode"], ArenaLimitedStart.ParseCommandLine(Encoding.UTF8.GetBytes("stasis\0ünïcode\0")));
        Assert.Empty(ArenaLimitedStart.ParseCommandLine([]));
    }

    [Fact]
    public void TheEnvironmentIsKeptAndTheLimitAdded()
    {
        var environment = ArenaLimitedStart.EnvironmentWithLimit();

        Assert.Contains($"PATH={Environment.GetEnvironmentVariable("PATH")}", environment);
        Assert.Equal("MALLOC_ARENA_MAX=2", environment[^1]);
        Assert.Equal(Environment.GetEnvironmentVariables().Count + 1, environment.Count);
    }
}
