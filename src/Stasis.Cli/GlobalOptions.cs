using System.CommandLine;
using Stasis.Cli.Output;

namespace Stasis.Cli;

/// <summary>Options every command takes (<c>--endpoint</c>, <c>--output</c>, <c>--profile</c>), declared once on the root as recursive.</summary>
internal sealed class GlobalOptions
{
    public const string EndpointVariable = "STASIS_ENDPOINT";
    public const string DefaultEndpoint = "http://127.0.0.1:7070";

    public GlobalOptions(CliEnvironment env)
    {
        Endpoint = new Option<string>("--endpoint")
        {
            Description = $"Stasis server URL [env: {EndpointVariable}]",
            HelpName = "URL",
            Recursive = true,
            DefaultValueFactory = _ => env.GetVariable(EndpointVariable) is { Length: > 0 } fromEnv ? fromEnv : DefaultEndpoint,
        };
        Output = new Option<string>("--output", "-o")
        {
            Description = "Output format",
            HelpName = "table|json",
            Recursive = true,
            DefaultValueFactory = _ => "table",
        };
        Output.AcceptOnlyFromAmong("table", "json");
        Profile = new Option<string?>("--profile")
        {
            Description = "Profile of the credentials file (~/.config/stasis/credentials) whose access key signs requests [env: STASIS_PROFILE; default: STASIS_ACCESS_KEY, else [default]]",
            HelpName = "NAME",
            Recursive = true,
        };
    }

    public Option<string> Endpoint { get; }

    public Option<string> Output { get; }

    public Option<string?> Profile { get; }

    public OutputFormat GetFormat(ParseResult parse) =>
        string.Equals(parse.GetValue(Output), "json", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Json : OutputFormat.Table;

    /// <summary>The endpoint as a base URI; a bare <c>host:port</c> is taken as http.</summary>
    public static Uri ParseEndpoint(string? text)
    {
        var value = text?.Trim() ?? "";
        if (!value.Contains("://", StringComparison.Ordinal))
        {
            value = "http://" + value;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            throw new UsageException($"--endpoint '{text}' is not an http(s) URL (for example {DefaultEndpoint})");
        }

        return uri;
    }
}
