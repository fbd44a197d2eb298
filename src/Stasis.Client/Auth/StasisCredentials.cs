namespace Stasis.Client.Auth;

/// <summary>
/// Where a client finds its access key, first match wins: an explicit profile (<c>--profile</c>) from the credentials
/// file; else <c>STASIS_ACCESS_KEY</c>; else the <c>STASIS_PROFILE</c> profile (or <c>[default]</c>) of the credentials
/// file, <c>~/.config/stasis/credentials</c> or <c>STASIS_CREDENTIALS_FILE</c>. None of them set means no credentials,
/// which a server on loopback without <c>--require-auth</c> does not ask for.
/// </summary>
public sealed record StasisCredentials(AccessKeyToken Key, string Source)
{
    public const string AccessKeyVariable = "STASIS_ACCESS_KEY";
    public const string ProfileVariable = "STASIS_PROFILE";
    public const string FileVariable = "STASIS_CREDENTIALS_FILE";
    public const string DefaultProfile = "default";
    /// <summary>The file's place under the home directory.</summary>
    public const string DefaultFile = "~/.config/stasis/credentials";

    /// <summary>Credentials from this process's environment and the credentials file; null when none is set up.</summary>
    public static StasisCredentials? FromEnvironment() => Resolve(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Finds the credentials as the type's summary says. <paramref name="profile"/> is an explicit choice (<c>--profile</c>);
    /// <paramref name="warn"/> hears about a credentials file others may read. Something set but unusable throws
    /// <see cref="StasisCredentialsException"/>.
    /// </summary>
    public static StasisCredentials? Resolve(Func<string, string?> getVariable, string? profile = null, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        string? Variable(string name) => getVariable(name) is { Length: > 0 } value ? value.Trim() : null;

        if (string.IsNullOrWhiteSpace(profile) && Variable(AccessKeyVariable) is { } fromEnvironment)
        {
            return AccessKeyToken.TryParse(fromEnvironment, out var token)
                ? new StasisCredentials(token, AccessKeyVariable)
                : throw new StasisCredentialsException($"{AccessKeyVariable} is not an access key; expected {AccessKeyToken.Shape}, as `stasis keys create` prints it.");
        }

        var explicitProfile = !string.IsNullOrWhiteSpace(profile) ? profile.Trim() : Variable(ProfileVariable);
        var explicitFile = Variable(FileVariable);
        var path = explicitFile ?? DefaultPath(Variable("HOME"));
        if (!File.Exists(path))
        {
            if (explicitProfile is not null || explicitFile is not null)
            {
                throw new StasisCredentialsException($"the credentials file {path} does not exist; create it with a [{explicitProfile ?? DefaultProfile}] profile and 'access_key = <id>.<secret>', or set {AccessKeyVariable}.");
            }

            return null;
        }

        var file = CredentialsFile.Parse(path, File.ReadAllText(path));
        if (warn is not null && OthersMayRead(path) is { } mode)
        {
            warn($"{path} can be read or written by others (mode {mode}); run: chmod 600 {path}");
        }

        var name = explicitProfile ?? DefaultProfile;
        if (explicitProfile is null && !file.HasProfile(name))
        {
            return null;
        }

        return new StasisCredentials(file.AccessKey(name), $"{path} [{name}]");
    }

    /// <summary>The default credentials file under <paramref name="home"/> (the user's profile directory when null).</summary>
    public static string DefaultPath(string? home) =>
        Path.Combine(home ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "stasis", "credentials");

    /// <summary>The file's mode in octal when group or others may read or write it; null when only its owner can, or off Unix.</summary>
    public static string? OthersMayRead(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        var mode = File.GetUnixFileMode(path);
        return (mode & Others) == 0 ? null : Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
    }
}
