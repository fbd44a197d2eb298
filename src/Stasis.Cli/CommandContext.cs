using System.CommandLine;
using Spectre.Console;
using Stasis.Cli.Output;
using Stasis.Client;

namespace Stasis.Cli;

/// <summary>Everything one command run needs: where to write, in which format, and a client for the chosen endpoint.</summary>
internal sealed class CommandContext : IDisposable
{
    private readonly GlobalOptions _global;
    private readonly ParseResult _parse;
    private StasisClient? _client;
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

    public StasisClient Client => _client ??= new StasisClient(Endpoint);

    /// <summary>Uses <paramref name="client"/> instead of one for <c>--endpoint</c> (<c>up</c> talks to the server it started).</summary>
    public void UseClient(StasisClient client)
    {
        _client?.Dispose();
        _client = client;
    }

    public void WriteJson<T>(T value) => JsonWriter.Write(Out, value);

    public void Dispose() => _client?.Dispose();
}
