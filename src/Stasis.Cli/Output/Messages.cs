using Stasis.Client.Model;

namespace Stasis.Cli.Output;

/// <summary>The CLI's stderr vocabulary: <c>error: CODE: message</c> with detail lines, and <c>warning: ...</c>.</summary>
internal sealed class Messages(TextWriter error, bool colour)
{
    public void Error(ErrorBody body)
    {
        error.WriteLine($"{Paint.Red("error:", colour)} {body.Code}: {body.Message}");
        // Details the message already says (a spec's single problem, or all of them joined) are not said twice.
        foreach (var detail in (body.Details ?? []).Where(d => !body.Message.Contains(d, StringComparison.Ordinal)))
        {
            error.WriteLine($"  - {detail}");
        }

        if (body.RequestId is { } id)
        {
            error.WriteLine(Paint.Dim($"  request id: {id}", colour));
        }
    }

    public void Error(string message)
    {
        error.WriteLine($"{Paint.Red("error:", colour)} {message}");
    }

    public void Warning(string message)
    {
        error.WriteLine(Paint.Yellow($"warning: {message}", colour));
    }

    public void Note(string message)
    {
        error.WriteLine(Paint.Dim(message, colour));
    }
}
