using System.CommandLine;
using System.Net.Sockets;
using Stasis.Client;

namespace Stasis.Cli;

/// <summary>
/// Runs a command's body and turns what it throws into the CLI's contract: <c>error: ...</c> on stderr and exit code 1
/// for failures, 2 for misuse, 130 for Ctrl-C.
/// </summary>
internal static class CommandAction
{
    public delegate Task<int> Body(CommandContext context, ParseResult parse, CancellationToken cancellationToken);

    public static void Set(Command command, CliEnvironment env, GlobalOptions global, Body body)
    {
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            using var context = new CommandContext(env, parse, global);
            return await RunAsync(context, () => body(context, parse, cancellationToken), cancellationToken).ConfigureAwait(false);
        });
    }

    public static async Task<int> RunAsync(CommandContext context, Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (StasisApiException e)
        {
            context.Messages.Error(e.Error);
            CredentialHints.Explain(context, (int)e.StatusCode);
            return ExitCodes.Failure;
        }
        catch (CliException e)
        {
            context.Messages.Error(e.Message);
            if (e is UsageException)
            {
                context.Messages.Note("run with --help for usage");
            }

            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
        catch (OperationCanceledException)
        {
            context.Messages.Error($"timed out waiting for {context.Endpoint.ToString().TrimEnd('/')}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is StasisUnreachableException or HttpRequestException or IOException or UnauthorizedAccessException or SocketException)
        {
            context.Messages.Error(e.Message);
            return ExitCodes.Failure;
        }
    }
}
