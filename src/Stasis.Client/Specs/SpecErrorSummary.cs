namespace Stasis.Client.Specs;

/// <summary>
/// Says once what an s.yaml gets wrong many times over. A built-in language runtime makes every other problem
/// of the file moot until it changes, so it is the file's one message, naming every resource and runtime; unset
/// <c>${env()}</c> variables and unknown <c>${name.…}</c> expressions are one message each, naming them all. The
/// rest is kept as found, each problem once.
/// </summary>
public static class SpecErrorSummary
{
    public static IReadOnlyList<SpecDiagnostic> Reduce(IReadOnlyList<SpecDiagnostic> errors)
    {
        var distinct = errors.DistinctBy(e => (e.Line, e.Column, e.Field, e.Message)).ToList();
        var runtimes = distinct.Where(e => e.Kind == SpecErrorKinds.BuiltInRuntime).ToList();
        if (runtimes.Count > 0)
        {
            return runtimes.Count == 1 ? runtimes : [BuiltInRuntimes(runtimes)];
        }

        var result = new List<SpecDiagnostic>();
        foreach (var group in distinct.GroupBy(e => e.Kind))
        {
            var items = group.ToList();
            result.AddRange(group.Key switch
            {
                SpecErrorKinds.UnsetVariable when items.DistinctBy(e => e.Subject).Count() > 1 => [UnsetVariables(items)],
                SpecErrorKinds.UnknownNamespace when items.Count > 1 => [UnknownNamespaces(items)],
                _ => items,
            });
        }

        return result.OrderBy(e => e.Line ?? int.MaxValue).ThenBy(e => e.Column).ToList();
    }

    private static SpecDiagnostic BuiltInRuntimes(List<SpecDiagnostic> items)
    {
        var first = items.OrderBy(e => e.Line ?? int.MaxValue).First();
        var resources = string.Join(", ", items.Select(e => $"{Resource(e.Field)} ({e.Subject}, line {e.Line})"));
        var names = string.Join(", ", items.Select(e => e.Subject).Distinct());
        return first with
        {
            Field = "",
            Message = $"{items.Count} resources use FC's built-in language runtimes ({names}), which Stasis does not run: {resources}. {FunctionSpecValidator.BuiltInRuntimeRemedy}",
        };
    }

    private static SpecDiagnostic UnsetVariables(List<SpecDiagnostic> items)
    {
        var first = items.OrderBy(e => e.Line ?? int.MaxValue).First();
        var names = items.GroupBy(e => e.Subject).Select(g => $"{g.Key} (line {string.Join(", ", g.Select(e => e.Line).Distinct())})");
        return first with
        {
            Field = "",
            Message = $"these environment variables are not set and their ${{env()}} give no default: {string.Join(", ", names)}. "
                + "Export them before deploying (e.g. in a .env you source), or give defaults: ${env('NAME', 'default')}",
        };
    }

    private static SpecDiagnostic UnknownNamespaces(List<SpecDiagnostic> items)
    {
        var first = items.OrderBy(e => e.Line ?? int.MaxValue).First();
        var expressions = items.Select(e => $"{e.Subject} (line {e.Line})");
        var roots = items.Select(e => e.Subject!.TrimStart('$', '{').Split('.')[0].Trim()).Distinct();
        return first with
        {
            Field = "",
            Message = $"{string.Join(", ", expressions)} name {string.Join(", ", roots.Select(r => $"'{r}'"))}, which Serverless Devs does not define (it has vars, env(), resources, this, config()...): put these values under vars: and write ${{vars.…}}",
        };
    }

    private static string Resource(string field) => field.Split('.')[0];
}
