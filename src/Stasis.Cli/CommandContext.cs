using System.CommandLine;
using Spectre.Console;
using Stasis.Cli.Output;
using Stasis.Client;
using Stasis.Client.Auth;

namespace Stasis.Cli;

/// <summary>Everything one command run needs: where to write, in which format, and a client for the chosen endpoint.</summary>
internal sealed class CommandContext : IDisposable
{
    private readonly GlobalOptions _global;
    private readonly ParseResult _parse;
    private StasisClient? _client;
    private StasisCredentials? _credentials;
    private bool _credentialsResolved;
    private IAnsiConsole? _console;
    private IAnsiConsole? _errorConsole;

    public CommandContext(CliEnvironment env, ParseResult parse, GlobalOptions global)
    {
        Env = env;
        _parse = parse;
        _global = global;
        Format = global.GetFormat(parse);
        Messages = new Messages(env.Error, env.ErrorIsTerminal && env.GetVariable("NO_COLOR") is null);
    }

    public CliEnvironment Env { get; }

    public OutputFormat Format { get; }

    public bool Json => Format == OutputFormat.Json;

    public Messages Messages { get; }

    public TextWriter Out => Env.Out;

    public DateTimeOffset Now => Env.Time.GetUtcNow();

    /// <summary>Tables and the like on stdout.</summary>
    public IAnsiConsole Console => _console ??= Consoles.Create(Env.Out, Env.OutIsTerminal);

    /// <summary>Spinners live on stderr, so they never mix with what a pipe reads from stdout.</summary>
    public IAnsiConsole ErrorConsole => _errorConsole ??= Consoles.Create(Env.Error, Env.ErrorIsTerminal);

    public Uri Endpoint => GlobalOptions.ParseEndpoint(_parse.GetValue(_global.Endpoint));

    /// <summary>A client for <c>--endpoint</c> that signs with the access key found by <see cref="Credentials"/>, if any.</summary>
    public StasisClient Client => _client ??= new StasisClient(Endpoint, Credentials?.Key);

    /// <summary>
    /// The access key requests are signed with: <c>--profile</c>, <c>STASIS_ACCESS_KEY</c>, or the credentials file's
    /// profile (docs/security.md); null when none is set up. A file others can read draws a warning.
    /// </summary>
    public StasisCredentials? Credentials
    {
        get
        {
            if (!_credentialsResolved)
            {
                try
                {
                    _credentials = StasisCredentials.Resolve(Env.GetVariable, _parse.GetValue(_global.Profile), Messages.Warning);
                }
                catch (StasisCredentialsException e)
                {
                    throw new CliException(e.Message);
                }

                _credentialsResolved = true;
            }

            return _credentials;
        }
    }

    /// <summary>Uses <paramref name="client"/> instead of one for <c>--endpoint</c> (<c>up</c> talks to the server it started).</summary>
    public void UseClient(StasisClient client)
    {
        _client?.Dispose();
        _client = client;
    }

    public void WriteJson<T>(T value) => JsonWriter.Write(Out, value);

    public void Dispose() => _client?.Dispose();
}
