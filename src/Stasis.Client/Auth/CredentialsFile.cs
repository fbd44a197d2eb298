namespace Stasis.Client.Auth;

/// <summary>
/// The credentials file (<c>~/.config/stasis/credentials</c>): INI profiles, each a <c>[name]</c> line followed by
/// <c>key = value</c> lines; <c>#</c> and <c>;</c> start comments. A profile's key is <c>access_key = &lt;id&gt;.&lt;secret&gt;</c>.
/// </summary>
public sealed class CredentialsFile
{
    /// <summary>The key of a profile's access key.</summary>
    public const string AccessKeyField = "access_key";

    private readonly Dictionary<string, Dictionary<string, (string Value, int Line)>> _profiles;

    private CredentialsFile(string path, Dictionary<string, Dictionary<string, (string Value, int Line)>> profiles)
    {
        Path = path;
        _profiles = profiles;
    }

    public string Path { get; }

    /// <summary>The profiles the file names, in no particular order.</summary>
    public IReadOnlyCollection<string> Profiles => _profiles.Keys;

    /// <summary>Parses <paramref name="text"/>; a line that is neither a section, a setting nor a comment throws <see cref="StasisCredentialsException"/> naming it.</summary>
    public static CredentialsFile Parse(string path, string text)
    {
        var profiles = new Dictionary<string, Dictionary<string, (string, int)>>(StringComparer.Ordinal);
        Dictionary<string, (string, int)>? current = null;
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (line[^1] != ']' || line.Length < 3)
                {
                    throw new StasisCredentialsException($"{path}:{number}: a profile line is [name], not '{line}'.");
                }

                var name = line[1..^1].Trim();
                if (!profiles.TryGetValue(name, out current))
                {
                    profiles[name] = current = new(StringComparer.Ordinal);
                }

                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new StasisCredentialsException($"{path}:{number}: expected '[profile]' or 'key = value', not '{Redact(line)}'.");
            }

            if (current is null)
            {
                throw new StasisCredentialsException($"{path}:{number}: '{line[..equals].Trim()}' comes before any [profile] line; start the file with [default].");
            }

            current[line[..equals].Trim()] = (line[(equals + 1)..].Trim(), number);
        }

        return new CredentialsFile(path, profiles);
    }

    public bool HasProfile(string profile) => _profiles.ContainsKey(profile);

    /// <summary>The access key of <paramref name="profile"/>, which must exist; a missing or malformed key throws <see cref="StasisCredentialsException"/>.</summary>
    public AccessKeyToken AccessKey(string profile)
    {
        if (!_profiles.TryGetValue(profile, out var settings))
        {
            var known = _profiles.Count == 0 ? "it has none" : "it has " + string.Join(", ", _profiles.Keys.Order(StringComparer.Ordinal).Select(p => $"[{p}]"));
            throw new StasisCredentialsException($"{Path} has no [{profile}] profile ({known}).");
        }

        if (!settings.TryGetValue(AccessKeyField, out var setting))
        {
            throw new StasisCredentialsException($"{Path}: profile [{profile}] has no {AccessKeyField}; add '{AccessKeyField} = <id>.<secret>' under it.");
        }

        return AccessKeyToken.TryParse(setting.Value, out var token)
            ? token
            : throw new StasisCredentialsException($"{Path}:{setting.Line}: {AccessKeyField} of [{profile}] is not an access key; expected {AccessKeyToken.Shape}, as `stasis keys create` prints it.");
    }

    // A line that failed to parse may hold a secret; show its start only.
    private static string Redact(string line) => line.Length <= 12 ? line : line[..12] + "…";
}
