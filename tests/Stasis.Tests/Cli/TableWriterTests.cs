using Stasis.Cli.Output;

namespace Stasis.Tests.Cli;

public sealed class TableWriterTests
{
    [Fact]
    public void PipedTablesArePlainAlignedColumnsWithoutEscapesOrTrailingBlanks()
    {
        var output = new StringWriter();
        var console = Consoles.Create(output, isTerminal: false);
        TableWriter.Write(console, new TableData(["NAME", "URL"], [["a", "http://x/fn/a"], ["long-name[x]", "-"]]));

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME          URL", "a             http://x/fn/a", "long-name[x]  -"], lines);
        Assert.DoesNotContain('\u001b', output.ToString());
    }

    [Fact]
    public void EmptyTablesPrintTheirMessage()
    {
        var output = new StringWriter();
        TableWriter.Write(Consoles.Create(output, isTerminal: false), new TableData(["NAME"], []), "nothing here");
        Assert.Equal("nothing here" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void PipedTablesDoNotWrapLongUrls()
    {
        var output = new StringWriter();
        var url = "http://127.0.0.1:7070/fn/" + new string('a', 150);
        TableWriter.Write(Consoles.Create(output, isTerminal: false), new TableData(["NAME", "URL"], [["f", url]]));
        Assert.Contains(url, output.ToString(), StringComparison.Ordinal);
    }
}
