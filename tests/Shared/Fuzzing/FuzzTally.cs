using System.Diagnostics;
using System.Text.Json;

namespace Stasis.Fuzzing;

/// <summary>
/// What one fuzz target saw: cases run, the label of each answer, and the failure if one was found.
/// With a report directory it writes <c>TARGET.json</c> there at the end, and <c>TARGET.current</c>
/// (the input being checked) before each case, so that an input that kills the process is known too.
/// </summary>
public sealed class FuzzTally(string target, string? reportDirectory)
{
    /// <summary>Inputs may hold lone surrogates; they are written as U+FFFD rather than fail the write.</summary>
    private static readonly System.Text.Encoding Lenient = new System.Text.UTF8Encoding(false, false);

    private readonly Dictionary<string, int> _answers = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _cases;
    private int _shrinks;
    private bool _failing;
    private string? _failure;

    /// <summary>Checks one input; the inputs FsCheck tries after the first failure count as shrink steps.</summary>
    public void Run<T>(T input, Func<T, string> check)
    {
        if (reportDirectory is not null && !_failing)
        {
            File.WriteAllText(Path.Combine(reportDirectory, target + ".current"), input?.ToString(), Lenient);
        }

        string label;
        try
        {
            label = check(input);
        }
        catch
        {
            _failing = true;
            _shrinks++;
            throw;
        }

        if (_failing)
        {
            _shrinks++;
            return;
        }

        _cases++;
        _answers[label] = _answers.GetValueOrDefault(label) + 1;
    }

    public void Fail(string message) => _failure = message;

    public void Write()
    {
        if (reportDirectory is null)
        {
            return;
        }

        var report = new
        {
            target,
            cases = _cases,
            shrinks = Math.Max(0, _shrinks - 1),
            seconds = Math.Round(_clock.Elapsed.TotalSeconds, 3),
            answers = _answers.OrderByDescending(a => a.Value).ToDictionary(a => a.Key, a => a.Value),
            failure = _failure,
        };
        File.WriteAllText(Path.Combine(reportDirectory, target + ".json"), JsonSerializer.Serialize(report));
        File.Delete(Path.Combine(reportDirectory, target + ".current"));
    }
}
