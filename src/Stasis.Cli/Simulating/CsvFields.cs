using System.Text;

namespace Stasis.Cli.Simulating;

/// <summary>Splits one CSV line into its fields: commas separate, double quotes enclose a field that holds commas or quotes (<c>""</c>).</summary>
internal static class CsvFields
{
    public static void Split(string line, List<string> fields)
    {
        fields.Clear();
        if (line.IndexOf('"', StringComparison.Ordinal) < 0)
        {
            var start = 0;
            while (true)
            {
                var comma = line.IndexOf(',', start);
                if (comma < 0)
                {
                    fields.Add(line[start..].Trim());
                    return;
                }

                fields.Add(line[start..comma].Trim());
                start = comma + 1;
            }
        }

        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString().Trim());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString().Trim());
    }
}
