using Stasis.Client.Auth;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Client;

/// <summary>Where the CLI and the client find their access key: the variable, the credentials file and its profiles (Unix file modes).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StasisCredentialsTests : IDisposable
{
    private static readonly string Env = AccessKeyToken.Generate().Value;
    private static readonly string Default = AccessKeyToken.Generate().Value;
    private static readonly string Ops = AccessKeyToken.Generate().Value;

    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, string> _variables = new();
    private readonly List<string> _warnings = new();

    public void Dispose() => _dir.Dispose();

    private string Home => _dir.Path;

    private string DefaultFile => Path.Combine(Home, ".config", "stasis", "credentials");

    private StasisCredentials? Resolve(string? profile = null) =>
        StasisCredentials.Resolve(name => name == "HOME" ? Home : _variables.GetValueOrDefault(name), profile, _warnings.Add);

    private void WriteFile(string path, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"""
            # Stasis credentials
            [default]
            access_key = {Default}

            ; the operators' key
            [ops]
              access_key={Ops}
            """);
        File.SetUnixFileMode(path, mode);
    }

    [Fact]
    public void Nothing_SetUp_IsNoCredentials()
    {
        Assert.Null(Resolve());
    }

    [Fact]
    public void TheDefaultProfile_OfTheFileUnderHome()
    {
        WriteFile(DefaultFile);

        var credentials = Resolve();

        Assert.Equal(Default, credentials!.Key.Value);
        Assert.Equal($"{DefaultFile} [default]", credentials.Source);
        Assert.Empty(_warnings);
    }

    [Fact]
    public void TheVariable_WinsOverTheFile_AnExplicitProfileWinsOverTheVariable()
    {
        WriteFile(DefaultFile);
        _variables[StasisCredentials.AccessKeyVariable] = Env;

        Assert.Equal((Env, "STASIS_ACCESS_KEY"), (Resolve()!.Key.Value, Resolve()!.Source));
        Assert.Equal(Ops, Resolve(profile: "ops")!.Key.Value);
    }

    [Fact]
    public void StasisProfileAndStasisCredentialsFile_PickTheProfileAndTheFile()
    {
        var elsewhere = Path.Combine(Home, "elsewhere.ini");
        WriteFile(elsewhere);
        _variables[StasisCredentials.FileVariable] = elsewhere;
        _variables[StasisCredentials.ProfileVariable] = "ops";

        Assert.Equal(Ops, Resolve()!.Key.Value);
        Assert.Equal(Default, Resolve(profile: "default")!.Key.Value);
    }

    [Fact]
    public void AFileOthersCanRead_DrawsAWarningWithTheFix()
    {
        WriteFile(DefaultFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        Assert.NotNull(Resolve());

        Assert.Equal($"{DefaultFile} can be read or written by others (mode 0644); run: chmod 600 {DefaultFile}", Assert.Single(_warnings));
    }

    [Theory]
    [InlineData("missing profile", "has no [staging] profile (it has [default], [ops])")]
    [InlineData("bad variable", "STASIS_ACCESS_KEY is not an access key")]
    [InlineData("missing file", "does not exist")]
    [InlineData("bad line", ":2: expected '[profile]' or 'key = value', not 'access_key A…'")]
    [InlineData("bad key", ":2: access_key of [default] is not an access key")]
    [InlineData("no key", "profile [default] has no access_key")]
    [InlineData("key before profile", ":1: 'access_key' comes before any [profile] line")]
    public void SomethingSetButUnusable_SaysWhatToFix(string what, string expected)
    {
        string? profile = null;
        switch (what)
        {
            case "missing profile":
                WriteFile(DefaultFile);
                profile = "staging";
                break;
            case "bad variable":
                _variables[StasisCredentials.AccessKeyVariable] = "AK123";
                break;
            case "missing file":
                _variables[StasisCredentials.FileVariable] = Path.Combine(Home, "nope");
                break;
            default:
                Directory.CreateDirectory(Path.GetDirectoryName(DefaultFile)!);
                File.WriteAllText(DefaultFile, what switch
                {
                    "bad line" => $"[default]\naccess_key {Default}\n",
                    "bad key" => "[default]\naccess_key = AK123.secret\n",
                    "no key" => "[default]\nregion = local\n",
                    _ => $"access_key = {Default}\n",
                });
                break;
        }

        var e = Assert.Throws<StasisCredentialsException>(() => Resolve(profile));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Default.Split('.')[1], e.Message, StringComparison.Ordinal);
    }
}
