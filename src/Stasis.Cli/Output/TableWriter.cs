using Spectre.Console;
using Spectre.Console.Rendering;

namespace Stasis.Cli.Output;

/// <summary>
/// Draws <see cref="TableData"/> and <see cref="PropertyList"/> as bare columns two spaces apart (kubectl style), with
/// bold headers on a terminal. Never squeezed to the terminal's width: a URL split over two lines cannot be pasted, so
/// a wide row wraps in the terminal instead.
/// </summary>
internal static class TableWriter
{
    public static void Write(IAnsiConsole console, TableData data, string? emptyMessage = null)
    {
        if (data.Rows.Count == 0 && emptyMessage is not null)
        {
            console.Profile.Out.Writer.WriteLine(emptyMessage);
            return;
        }

        var ansi = console.Profile.Capabilities.Ansi;
        var table = new Table { Border = TableBorder.None };
        foreach (var header in data.Headers)
        {
            table.AddColumn(new TableColumn(new Text(header, HeaderStyle(ansi))) { NoWrap = true, Padding = new Padding(0, 0, 2, 0) });
        }

        foreach (var row in data.Rows)
        {
            table.AddRow(row.Select(cell => (IRenderable)new Text(cell)).ToArray());
        }

        Render(console, table);
    }

    public static void Write(IAnsiConsole console, PropertyList properties)
    {
        var ansi = console.Profile.Capabilities.Ansi;
        var grid = new Grid();
        grid.AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(0, 0, 2, 0) });
        grid.AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(0) });
        foreach (var (name, value) in properties.Items)
        {
            grid.AddRow(new Text(name, HeaderStyle(ansi)), new Text(value));
        }

        Render(console, grid);
    }

    private static Style HeaderStyle(bool ansi) => ansi ? new Style(decoration: Decoration.Bold) : Style.Plain;

    /// <summary>Renders on a wide off-screen console, then writes the lines without the padding after the last column.</summary>
    private static void Render(IAnsiConsole console, IRenderable renderable)
    {
        var ansi = console.Profile.Capabilities.Ansi;
        var buffer = new StringWriter();
        var offscreen = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(buffer),
            Ansi = ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = ansi ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        offscreen.Profile.Width = Consoles.UnboundedWidth;
        offscreen.Write(renderable);

        var writer = console.Profile.Out.Writer;
        foreach (var line in buffer.ToString().TrimEnd('\n', '\r').Split('\n'))
        {
            writer.WriteLine(line.TrimEnd());
        }
    }
}
