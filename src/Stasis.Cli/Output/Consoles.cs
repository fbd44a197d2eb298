using Spectre.Console;

namespace Stasis.Cli.Output;

internal static class Consoles
{
    /// <summary>Width for output nobody reads on a screen: lines are as long as their content.</summary>
    public const int UnboundedWidth = 4096;

    /// <summary>
    /// A Spectre console over <paramref name="writer"/>. Off a terminal it is plain (no colour, no cursor tricks, no
    /// animation) and wide, so piped tables neither carry escape codes nor wrap at 80 columns.
    /// </summary>
    public static IAnsiConsole Create(TextWriter writer, bool isTerminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            console.Profile.Width = UnboundedWidth;
        }

        return console;
    }
}
