namespace Stasis.Cli.Deploying;

/// <summary>The sample templates <c>up</c> deploys: <c>samples/*/s.yaml</c> under the working directory.</summary>
internal static class Samples
{
    /// <summary>Relative sample directories (forward slashes, e.g. <c>samples/text-classifier-python</c>), sorted.</summary>
    public static IReadOnlyList<string> Find(string workingDirectory)
    {
        var root = Path.Combine(workingDirectory, "samples");
        if (!Directory.Exists(root))
        {
            return [];
        }

        return Directory.EnumerateDirectories(root)
            .Where(dir => File.Exists(Path.Combine(dir, "s.yaml")))
            .Select(dir => Path.GetRelativePath(workingDirectory, dir).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
