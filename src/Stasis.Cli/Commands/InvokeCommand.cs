using System.CommandLine;
using System.Text;
using Stasis.Cli.Parsing;
using Stasis.Client;

namespace Stasis.Cli.Commands;

internal static class InvokeCommand
{
    public const string DefaultPath = "/invoke";

    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var name = Arguments.FunctionName();
        var path = new Option<string>("--path") { Description = "Path below the function", HelpName = "PATH", DefaultValueFactory = _ => DefaultPath };
        var data = new Option<string?>("--data", "-d") { Description = "Request body: text, @FILE, or - for stdin", HelpName = "DATA" };
        var file = new Option<string?>("--file") { Description = "Send this file as the request body", HelpName = "FILE" };
        var headers = new Option<string[]>("--header", "-H") { Description = "Request header 'Name: value' (repeatable)", HelpName = "HEADER" };
        var method = new Option<string?>("--method", "-X") { Description = "HTTP method [default: POST with a body, GET without]", HelpName = "METHOD" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the request line, status, headers and request id to stderr" };
        headers.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!HeaderLines.TryParse(token.Value, out _, out var error))
                {
                    r.AddError(error!);
                }
            }
        });

        var command = new Command("invoke", "Call a function through the gateway and print its response body") { name, path, data, file, headers, method, verbose };
        command.Validators.Add(r =>
        {
            if (r.GetValue(data) is not null && r.GetValue(file) is not null)
            {
                r.AddError("--data and --file cannot be used together");
            }
        });

        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var request = new InvokeArgs(
                parse.GetValue(name)!,
                parse.GetValue(path) ?? DefaultPath,
                parse.GetValue(data),
                parse.GetValue(file),
                parse.GetValue(headers) ?? [],
                parse.GetValue(method),
                parse.GetValue(verbose));
            return await RunAsync(ctx, request, ct).ConfigureAwait(false);
        });
        return command;
    }

    private sealed record InvokeArgs(string Name, string Path, string? Data, string? File, string[] Headers, string? Method, bool Verbose);

    private static async Task<int> RunAsync(CommandContext ctx, InvokeArgs args, CancellationToken ct)
    {
        await using var body = OpenBody(ctx.Env, args.Data, args.File);
        var request = new InvokeRequest
        {
            FunctionName = args.Name,
            Path = args.Path,
            Method = args.Method ?? (body is null ? "GET" : "POST"),
            Headers = args.Headers.Select(h => HeaderLines.TryParse(h, out var kv, out _) ? kv : throw new UsageException($"bad header '{h}'")).ToList(),
            Body = body,
        };

        if (args.Verbose)
        {
            ctx.Env.Error.WriteLine($"> {request.Method.ToUpperInvariant()} {ctx.Client.Endpoint.ToString().TrimEnd('/')}/fn/{args.Name}{(request.Path.StartsWith('/') ? "" : "/")}{request.Path}");
            foreach (var (key, value) in request.Headers)
            {
                ctx.Env.Error.WriteLine($"> {key}: {value}");
            }
        }

        await using var response = await ctx.Client.InvokeAsync(request, ct).ConfigureAwait(false);
        if (args.Verbose)
        {
            ctx.Env.Error.WriteLine($"< HTTP/{response.HttpVersion} {response.StatusCode} {response.ReasonPhrase}".TrimEnd());
            foreach (var (key, value) in response.Headers)
            {
                ctx.Env.Error.WriteLine($"< {key}: {value}");
            }
        }

        if (response.IsSuccess || response.StatusCode < 400)
        {
            await CopyBodyAsync(ctx, response.Body, ct).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        // A failed call is read whole: the gateway's own errors are small JSON, shown in the CLI's error form.
        var bytes = await response.ReadBodyAsync(ct).ConfigureAwait(false);
        if (response.TryParseGatewayError(bytes) is { } gatewayError)
        {
            ctx.Messages.Error(gatewayError.RequestId is null && response.RequestId is { } id ? gatewayError with { RequestId = id } : gatewayError);
            CredentialHints.Explain(ctx, response.StatusCode);
            return ExitCodes.Failure;
        }

        // The function itself answered an error: its body is its message, so it still goes to stdout.
        using (var stream = new MemoryStream(bytes))
        {
            await CopyBodyAsync(ctx, stream, ct).ConfigureAwait(false);
        }

        ctx.Messages.Error($"HTTP {response.StatusCode}: the function answered {response.ReasonPhrase ?? "an error"}{(response.RequestId is { } rid ? $" (request id {rid})" : "")}");
        return ExitCodes.Failure;
    }

    private static Stream? OpenBody(CliEnvironment env, string? data, string? file)
    {
        if (file is not null)
        {
            return OpenFile(file);
        }

        return data switch
        {
            null => null,
            "-" => env.OpenStdin(),
            ['@', .. var rest] => OpenFile(rest),
            _ => new MemoryStream(Encoding.UTF8.GetBytes(data)),
        };
    }

    private static FileStream OpenFile(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"no such file: {path}");
        }
    }

    /// <summary>Bytes as they arrive: raw on a real stdout (an image stays an image), decoded when writing to a text writer.</summary>
    private static async Task CopyBodyAsync(CommandContext ctx, Stream body, CancellationToken ct)
    {
        if (ctx.Env.RawOut is { } raw)
        {
            await ctx.Out.FlushAsync(ct).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await raw.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                // Flush per chunk: streamed answers (tokens, progress) should show up as they come.
                await raw.FlushAsync(ct).ConfigureAwait(false);
            }

            return;
        }

        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var chars = new char[8 * 1024];
        int count;
        while ((count = await reader.ReadAsync(chars, ct).ConfigureAwait(false)) > 0)
        {
            await ctx.Out.WriteAsync(chars.AsMemory(0, count), ct).ConfigureAwait(false);
        }

        await ctx.Out.FlushAsync(ct).ConfigureAwait(false);
    }
}
