namespace Stasis.Cli;

/// <summary>What a CLI run reads and writes: the process's console, or writers a test hands in.</summary>
internal sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Raw stdout for bodies that are not text (an embedding, an image); null writes bodies through <see cref="Out"/> as UTF-8.</summary>
    public Stream? RawOut { get; init; }

    public Func<Stream> OpenStdin { get; init; } = Console.OpenStandardInput;

    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    public Func<string> CurrentDirectory { get; init; } = Directory.GetCurrentDirectory;

    public bool OutIsTerminal { get; init; }

    public bool ErrorIsTerminal { get; init; }

    /// <summary>
    /// Whether Ctrl-C/SIGTERM cancel the running command. Off for tests (a handler per run would pile up in the test host)
    /// and for <c>server</c>/<c>up</c>, whose host handles the signal itself and drains before exiting.
    /// </summary>
    public bool HandleSignals { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>What <c>simulate</c> runs on; null is the server's core (a test hands in a stand-in).</summary>
    public Simulating.ISimulationEngine? SimulationEngine { get; init; }

    public static CliEnvironment ForProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        RawOut = Console.OpenStandardOutput(),
        OutIsTerminal = !Console.IsOutputRedirected,
        ErrorIsTerminal = !Console.IsErrorRedirected,
        HandleSignals = true,
    };

    public static CliEnvironment ForWriters(TextWriter output, TextWriter error) => new()
    {
        Out = output,
        Error = error,
    };
}
