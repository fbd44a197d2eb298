namespace Stasis.Cli.Output;

internal enum OutputFormat
{
    Table,
    Json,
}
