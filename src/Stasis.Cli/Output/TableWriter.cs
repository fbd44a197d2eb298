using Spectre.Console;
using Spectre.Console.Rendering;

namespace Stasis.Cli.Output;

/// <summary>Draws <see cref="TableData"/> and <see cref="PropertyList"/>: boxed on a terminal, bare aligned columns when piped.</summary>
internal static class TableWriter
{
    public static void Write(IAnsiConsole console, TableData data, string? emptyMessage = null)
    {
        if (data.Rows.Count == 0 && emptyMessage is not null)
        {
            console.Profile.Out.Writer.WriteLine(emptyMessage);
            return;
        }

        var plain = !console.Profile.Capabilities.Ansi;
        // Piped: bare columns two spaces apart, like kubectl, easy to read and to cut/awk.
        var table = new Table { Border = plain ? TableBorder.None : TableBorder.Rounded };

        foreach (var header in data.Headers)
        {
            table.AddColumn(new TableColumn(new Text(header, plain ? Style.Plain : new Style(decoration: Decoration.Bold))) { NoWrap = true, Padding = plain ? new Padding(0, 0, 2, 0) : new Padding(1, 0) });
        }

        foreach (var row in data.Rows)
        {
            table.AddRow(row.Select(cell => (IRenderable)new Text(cell)).ToArray());
        }

        Render(console, table, plain);
    }

    public static void Write(IAnsiConsole console, PropertyList properties)
    {
        var plain = !console.Profile.Capabilities.Ansi;
        var grid = new Grid();
        grid.AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(0, 0, 2, 0) });
        grid.AddColumn(new GridColumn { Padding = new Padding(0) });
        foreach (var (name, value) in properties.Items)
        {
            grid.AddRow(new Text(name, plain ? Style.Plain : new Style(decoration: Decoration.Bold)), new Text(value));
        }

        Render(console, grid, plain);
    }

    /// <summary>Plain output loses the padding Spectre leaves after the last column, so piped lines carry no trailing blanks.</summary>
    private static void Render(IAnsiConsole console, IRenderable renderable, bool plain)
    {
        if (!plain)
        {
            console.Write(renderable);
            return;
        }

        var buffer = new StringWriter();
        Consoles.Create(buffer, isTerminal: false).Write(renderable);
        var writer = console.Profile.Out.Writer;
        foreach (var line in buffer.ToString().TrimEnd('\n', '\r').Split('\n'))
        {
            writer.WriteLine(line.TrimEnd());
        }
    }
}
