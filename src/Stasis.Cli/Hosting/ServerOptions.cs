using System.CommandLine;
using Stasis.Cli.Parsing;

namespace Stasis.Cli.Hosting;

/// <summary>The options <c>server</c> and <c>up</c> share.</summary>
internal sealed class ServerOptions
{
    public Option<string> Listen { get; } = new("--listen", "-l")
    {
        Description = "Address to listen on, HOST:PORT (port 0 picks a free one)",
        HelpName = "HOST:PORT",
        DefaultValueFactory = _ => ServerSettings.DefaultListen,
    };

    public Option<string> Data { get; } = new("--data")
    {
        Description = "Directory for the function store and instance logs",
        HelpName = "DIR",
        DefaultValueFactory = _ => ServerSettings.DefaultDataDirectory,
    };

    public Option<TimeSpan> IdleTimeout { get; } = new("--idle-timeout")
    {
        Description = "Stop an on-demand instance after this long idle (300ms, 30s, 5m, 1h)",
        HelpName = "DURATION",
        DefaultValueFactory = _ => ServerSettings.DefaultIdleTimeout,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (Durations.TryParse(text, out var value))
            {
                return value;
            }

            r.AddError($"--idle-timeout '{text}' is not a duration like 300ms, 30s, 5m or 1h");
            return default;
        },
    };

    public Option<long> MaxBody { get; } = new("--max-body")
    {
        Description = "Largest request body the gateway accepts (32MB, 512KB, 1048576)",
        HelpName = "SIZE",
        DefaultValueFactory = _ => ServerSettings.DefaultMaxRequestBodyBytes,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (Sizes.TryParse(text, out var value) && value > 0)
            {
                return value;
            }

            r.AddError($"--max-body '{text}' is not a size like 32MB, 512KB or 1048576");
            return default;
        },
    };

    public void AddTo(Command command)
    {
        command.Add(Listen);
        command.Add(Data);
        command.Add(IdleTimeout);
        command.Add(MaxBody);
    }

    public ServerSettings Read(ParseResult parse) => new(
        parse.GetValue(Listen) ?? ServerSettings.DefaultListen,
        parse.GetValue(Data) ?? ServerSettings.DefaultDataDirectory,
        parse.GetValue(IdleTimeout),
        parse.GetValue(MaxBody));
}
