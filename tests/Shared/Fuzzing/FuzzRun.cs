using FsCheck;
using FsCheck.Fluent;

namespace Stasis.Fuzzing;

/// <summary>
/// Runs a fuzz property with FsCheck: each generated input is checked, answered with a label for the
/// tally ("400 InvalidJson", "SpecException", "ok"), and the first input that breaks the property is
/// shrunk and reported. The number of cases is the test's own modest count, or
/// <c>STASIS_FUZZ_CASES</c>; with <c>STASIS_FUZZ_REPORT</c> set to a directory every target writes
/// its figures there (<see cref="FuzzTally"/>), which <c>bench/fuzz/run.sh</c> reads.
/// </summary>
public static class FuzzRun
{
    public const string CasesVariable = "STASIS_FUZZ_CASES";
    public const string ReportVariable = "STASIS_FUZZ_REPORT";

    /// <summary>How long one parser case may run before it counts as a hang.</summary>
    public static readonly TimeSpan CaseDeadline = TimeSpan.FromSeconds(30);

    /// <summary>The stack a parser case runs on: smaller than any thread that parses for real, so deep recursion shows here first.</summary>
    public const int CaseStackBytes = 1024 * 1024;

    /// <summary>Cases per property: <c>STASIS_FUZZ_CASES</c> when it is a positive number, else <paramref name="defaultCases"/>.</summary>
    public static int Cases(int defaultCases) =>
        int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), out var cases) && cases > 0 ? cases : defaultCases;

    /// <summary>
    /// Checks <paramref name="check"/> on <see cref="Cases"/> inputs of <paramref name="cases"/>. The check returns
    /// the label of what happened and throws when the property does not hold; FsCheck then shrinks the input and
    /// the test fails with the original and the shrunk input.
    /// </summary>
    public static void Check<T>(string target, Arbitrary<T> cases, Func<T, string> check, int defaultCases)
    {
        var tally = new FuzzTally(target, Environment.GetEnvironmentVariable(ReportVariable));
        var config = Config.QuickThrowOnFailure.WithMaxTest(Cases(defaultCases)).WithQuietOnSuccess(true);
        try
        {
            FsCheck.Check.One(config, Prop.ForAll(cases, (T input) => tally.Run(input, check)));
        }
        catch (Exception e)
        {
            tally.Fail(e.Message);
            throw;
        }
        finally
        {
            tally.Write();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a thread of its own with a <see cref="CaseStackBytes"/> stack and waits for
    /// it at most <see cref="CaseDeadline"/>: a parser that recurses without bound fails here rather than in a user's
    /// shell, and one that never ends fails the case instead of hanging the run.
    /// </summary>
    public static string Bounded(Func<string> work)
    {
        string? label = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                label = work();
            }
            catch (Exception e)
            {
                error = e;
            }
        }, CaseStackBytes) { IsBackground = true, Name = "fuzz case" };
        thread.Start();
        if (!thread.Join(CaseDeadline))
        {
            throw new TimeoutException($"the case did not finish within {CaseDeadline.TotalSeconds} s");
        }

        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }

        return label!;
    }
}
