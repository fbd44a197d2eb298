namespace Stasis.Cli.Output;

/// <summary>Colours for one-line messages, written straight to a writer (Spectre would wrap them at the console width).</summary>
internal static class Paint
{
    public static string Red(string text, bool enabled) => Wrap(text, "31", enabled);

    public static string Yellow(string text, bool enabled) => Wrap(text, "33", enabled);

    public static string Dim(string text, bool enabled) => Wrap(text, "2", enabled);

    private static string Wrap(string text, string code, bool enabled) => enabled ? $"\u001b[{code}m{text}\u001b[0m" : text;
}
