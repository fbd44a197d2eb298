using Stasis.Client.Specs;

namespace Stasis.Tests.Specs;

/// <summary>Builds s.yaml texts for the spec tests and finds the lines errors should name.</summary>
internal static class SpecYaml
{
    /// <summary>An existing directory, so <c>code: .</c> resolves without a "does not exist" warning.</summary>
    public static readonly string BaseDirectory = AppContext.BaseDirectory;

    /// <summary>The props every runnable function needs; tests add the one they are about.</summary>
    public const string MinimalProps = """
              functionName: fn
              code: .
              customContainerConfig:
                command: [python3, app.py]
        """;

    public static string File(string props) => $"""
        edition: 3.0.0
        name: test
        resources:
          fn:
            component: fc3
            props:
        {props}
        """;

    /// <summary>A file with <see cref="MinimalProps"/> plus <paramref name="extraProps"/> (indented six spaces).</summary>
    public static string Function(string extraProps) => File(MinimalProps + "\n" + extraProps);

    public static SYamlDocument Parse(string yaml, Func<string, string?>? env = null) =>
        SYamlLoader.Parse(yaml, BaseDirectory, "s.yaml", env ?? (_ => null));

    public static SpecException Fails(string yaml, Func<string, string?>? env = null) =>
        Assert.Throws<SpecException>(() => Parse(yaml, env));

    /// <summary>The 1-based line of the first line of <paramref name="yaml"/> that contains <paramref name="text"/>.</summary>
    public static int LineOf(string yaml, string text)
    {
        var lines = yaml.Split('\n');
        var index = Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        Assert.True(index >= 0, $"'{text}' is not in the test's yaml");
        return index + 1;
    }
}
