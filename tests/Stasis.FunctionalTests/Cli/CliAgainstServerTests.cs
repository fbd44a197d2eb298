using System.Text.Json;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Cli;

/// <summary>The CLI against a real server started in-process.</summary>
public sealed class CliAgainstServerTests(CliServerFixture server) : IClassFixture<CliServerFixture>
{
    [Fact]
    public async Task StatusShowsTheServer()
    {
        var run = await server.RunAsync("status");

        Assert.Equal(0, run.Exit);
        Assert.Equal("", run.Err);
        Assert.Contains(server.Endpoint, run.Out, StringComparison.Ordinal);
        Assert.Contains(server.DataDirectory, run.Out, StringComparison.Ordinal);
        // The process's memory, the native heap trimmed and the GC heap compacted at the default intervals.
        Assert.Matches(@"memory\s+\d+\.\d MB resident \(GC heap \d+\.\d MB, native heap \d+\.\d MB in use \(SQLite \d+\.\d MB\), \d+\.\d MB free, \d+ arenas \(limit \d+\)\); native heap trimmed every 10 s: .*; GC heap compacted every 60 s: \d+ times", run.Out);
    }

    [Fact]
    public async Task StatusAsJsonIsOnlyJson()
    {
        var run = await server.RunAsync("status", "-o", "json");

        Assert.Equal(0, run.Exit);
        var status = JsonSerializer.Deserialize<ServerStatus>(run.Out, JsonDefaults.Options)!;
        Assert.Equal(Path.GetFullPath(server.DataDirectory), status.DataDirectory);
        var memory = Assert.IsType<MemoryStatus>(status.Memory);
        Assert.True(memory.ResidentBytes > memory.ManagedHeapBytes, $"resident {memory.ResidentBytes} should exceed the GC heap {memory.ManagedHeapBytes}");
        Assert.True(memory.ManagedHeapBytes > 0);
        Assert.True(memory.NativeInUseBytes > 0);
        Assert.InRange(memory.SqliteBytes, 1, memory.NativeInUseBytes!.Value); // the store is open: SQLite holds its schema at least
        Assert.Equal(10, memory.TrimIntervalSeconds);
        Assert.Equal(60, memory.CompactIntervalSeconds);
        Assert.NotNull(memory.ArenaLimit);
        Assert.True(memory.Arenas >= 1, $"arenas: {memory.Arenas}"); // in this test host's process: its threads made theirs first
    }

    [Fact]
    public async Task FunctionsOnAnEmptyServer()
    {
        var table = await server.RunAsync("functions");
        var json = await server.RunAsync("ls", "--output", "json");

        Assert.Equal(0, table.Exit);
        Assert.StartsWith("no functions deployed", table.Out, StringComparison.Ordinal);
        Assert.Equal(0, json.Exit);
        Assert.Empty(JsonSerializer.Deserialize<FunctionInfo[]>(json.Out, JsonDefaults.Options)!);
    }

    [Theory]
    [InlineData("info", "no-such-function")]
    [InlineData("instances", "no-such-function")]
    [InlineData("logs", "no-such-function")]
    [InlineData("remove", "no-such-function")]
    [InlineData("invoke", "no-such-function")]
    public async Task UnknownFunctionIsFunctionNotFound(params string[] args)
    {
        var run = await server.RunAsync(args);

        Assert.Equal(1, run.Exit);
        Assert.Equal("", run.Out);
        Assert.StartsWith("error: FunctionNotFound: ", run.Err, StringComparison.Ordinal);
    }
}
