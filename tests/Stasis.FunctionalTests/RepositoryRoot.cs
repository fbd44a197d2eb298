namespace Stasis.FunctionalTests;

/// <summary>The checkout the tests run from (the folder with Stasis.slnx), for the shipped samples and test artifacts.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Stasis.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Stasis.slnx not found above " + AppContext.BaseDirectory);
    }
}
