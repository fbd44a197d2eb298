namespace Stasis.Cli.Output;

/// <summary>The ready-to-paste curl line <c>up</c> prints for each function it deployed.</summary>
internal static class CurlHints
{
    public const string TextClassifierInput = "Nice to meet you";

    /// <param name="url">The function's (or its trigger's) base URL.</param>
    /// <param name="sampleDirectory">The sample's directory relative to where the user runs <c>up</c>, with forward slashes.</param>
    /// <param name="fileExists">Probes for sample inputs (relative paths), swappable in tests.</param>
    public static string For(string functionName, string url, string? sampleDirectory, Func<string, bool> fileExists)
    {
        var invoke = url.TrimEnd('/') + "/invoke";
        if (Mentions(functionName, sampleDirectory, "text-classifier"))
        {
            return $"curl {invoke} -H \"Content-Type: text/plain\" --data \"{TextClassifierInput}\"";
        }

        if (sampleDirectory is not null)
        {
            var image = $"{sampleDirectory}/testdata/sample.png";
            if (Mentions(functionName, sampleDirectory, "image-embedding") || fileExists(image))
            {
                return $"curl {invoke} --data-binary @{image}";
            }
        }

        return $"curl {invoke} -X POST";
    }

    private static bool Mentions(string functionName, string? sampleDirectory, string word) =>
        functionName.Contains(word, StringComparison.OrdinalIgnoreCase)
        || (sampleDirectory is not null && Path.GetFileName(sampleDirectory).Contains(word, StringComparison.OrdinalIgnoreCase));
}
