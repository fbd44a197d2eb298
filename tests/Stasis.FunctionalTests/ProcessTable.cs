namespace Stasis.FunctionalTests;

/// <summary>Looks for processes by a marker in their command line (no zombie, nothing left running).</summary>
internal static class ProcessTable
{
    public static List<int> WithMarker(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(marker, StringComparison.Ordinal) && !cmdline.Contains("dotnet", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
