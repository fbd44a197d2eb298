using System.CommandLine;

namespace Stasis.Cli.Commands;

/// <summary>Arguments several commands share.</summary>
internal static class Arguments
{
    public static Argument<string> FunctionName(string description = "Function name") => new("NAME") { Description = description };
}
