namespace Stasis.Server.Runtime.Sandbox;

/// <summary>Unix file modes of what the sandbox writes (the sandbox exists only on Linux).</summary>
internal static class FileModes
{
    public static void Set(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    public static UnixFileMode Get(string path) => OperatingSystem.IsWindows() ? (UnixFileMode)0x1ff : File.GetUnixFileMode(path);

    /// <summary>Creates (or truncates) a file readable and writable by its owner alone, from the first byte.</summary>
    public static FileStream CreatePrivate(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }
}
