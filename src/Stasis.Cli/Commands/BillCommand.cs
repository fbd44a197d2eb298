using System.CommandLine;
using Stasis.Cli.Output;
using Stasis.Cli.Parsing;

namespace Stasis.Cli.Commands;

/// <summary><c>stasis bill [NAME] [--from T] [--to T] [-o table|json|csv]</c>: idle and active time, CU and cost per function and instance.</summary>
internal static class BillCommand
{
    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var name = new Argument<string?>("NAME") { Description = "Function to bill (every function when omitted)", Arity = ArgumentArity.ZeroOrOne };
        var from = new Option<string?>("--from")
        {
            Description = "Start of the period: an ISO time (2025-01-31T08:00:00Z) or relative to now (-1h, -30m) [default: the first billed instant]",
            HelpName = "TIME",
        };
        var to = new Option<string?>("--to")
        {
            Description = "End of the period, excluded: an ISO time or relative to now [default: now]",
            HelpName = "TIME",
        };
        // Its own --output, a superset of the global one: only the bill has a CSV form.
        var output = new Option<string?>("--output", "-o") { Description = "Output format", HelpName = "table|json|csv" };
        output.AcceptOnlyFromAmong("table", "json", "csv");
        var command = new Command("bill", "Show what functions cost: idle and active seconds, CU and USD per function and instance") { name, from, to, output };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var start = ReadTime(parse.GetValue(from), "--from", ctx.Now);
            var end = ReadTime(parse.GetValue(to), "--to", ctx.Now);
            if (start > end)
            {
                throw new UsageException($"--from ({start:O}) is after --to ({end:O})");
            }

            var bill = await ctx.Client.GetBillAsync(parse.GetValue(name), start, end, ct).ConfigureAwait(false);
            switch (parse.GetValue(output) ?? (ctx.Json ? "json" : "table"))
            {
                case "json":
                    ctx.WriteJson(bill);
                    break;
                case "csv":
                    Csv.Write(ctx.Out, BillViews.CsvTable(bill));
                    break;
                default:
                    ctx.Out.WriteLine(BillViews.Heading(bill));
                    TableWriter.Write(ctx.Console, BillViews.Table(bill), "nothing billed in this period");
                    break;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static DateTimeOffset? ReadTime(string? text, string option, DateTimeOffset now)
    {
        if (text is null)
        {
            return null;
        }

        return Instants.TryParse(text, now, out var value)
            ? value
            : throw new UsageException($"{option} '{text}' is not a time: use ISO 8601 (2025-01-31T08:00:00Z), now, or relative like -1h or -30m");
    }
}
