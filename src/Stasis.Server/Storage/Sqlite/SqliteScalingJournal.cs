using System.Globalization;
using System.Text.Json;
using Stasis.Client.Model;
using Stasis.Server.Storage;
using Stasis.Server.Autoscaling;

namespace Stasis.Server.Storage.Sqlite;

/// <summary>
/// The autoscaler's decisions in the store, newest kept: at most <see cref="KeptPerFunction"/> per function.
/// Writes go through <see cref="DeferredWrites"/>: a decision is taken (and acted on) whether or not the
/// store can record it at that moment.
/// </summary>
internal sealed class SqliteScalingJournal(StasisDb db, DeferredWrites deferred) : IScalingJournal, IScalingHistory
{
    public const int KeptPerFunction = 10_000;
    private int _writes;

    public void Record(string functionName, ScalingDecision decision, int previousTarget)
    {
        var info = ToInfo(decision, previousTarget);
        var prune = Interlocked.Increment(ref _writes) % 500 == 0;
        deferred.Write($"scaling decision of {functionName}", connection => Insert(connection, functionName, info, prune));
    }

    private static void Insert(Microsoft.Data.Sqlite.SqliteConnection connection, string functionName, ScalingDecisionInfo info, bool prune)
    {
        StasisDb.Execute(connection,
            """
            INSERT INTO scaling_decisions (function_name, at, previous_target, target, current, reason, explain, evidence)
            VALUES ($fn, $at, $previous, $target, $current, $reason, $explain, $evidence);
            """,
            ("$fn", functionName), ("$at", info.At.ToString("O", CultureInfo.InvariantCulture)),
            ("$previous", (object?)info.PreviousTarget ?? DBNull.Value), ("$target", info.Target), ("$current", info.Current),
            ("$reason", info.Reason), ("$explain", (object?)info.Explain ?? DBNull.Value),
            ("$evidence", JsonSerializer.Serialize(info, JsonDefaults.Options)));
        if (prune)
        {
            StasisDb.Execute(connection,
                """
                DELETE FROM scaling_decisions WHERE function_name = $fn AND id <=
                    (SELECT id FROM scaling_decisions WHERE function_name = $fn ORDER BY id DESC LIMIT 1 OFFSET $kept);
                """,
                ("$fn", functionName), ("$kept", KeptPerFunction));
        }
    }

    /// <summary>The newest <paramref name="limit"/> decisions of a function, newest first.</summary>
    public IReadOnlyList<ScalingDecisionInfo> History(string functionName, int limit)
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT evidence FROM scaling_decisions WHERE function_name = $fn ORDER BY id DESC LIMIT $limit;";
        command.Parameters.AddWithValue("$fn", functionName);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var result = new List<ScalingDecisionInfo>();
        while (reader.Read())
        {
            result.Add(JsonSerializer.Deserialize<ScalingDecisionInfo>(reader.GetString(0), JsonDefaults.Options)!);
        }

        return result;
    }

    public void Forget(string functionName) =>
        deferred.Write($"scaling decisions of {functionName} (removed)",
            connection => StasisDb.Execute(connection, "DELETE FROM scaling_decisions WHERE function_name = $fn;", ("$fn", functionName)));

    public static ScalingDecisionInfo ToInfo(ScalingDecision decision, int previousTarget)
    {
        var evidence = decision.Evidence;
        return new ScalingDecisionInfo
        {
            At = evidence.Now,
            PreviousTarget = previousTarget < 0 ? null : previousTarget,
            Target = decision.Target,
            Current = evidence.Current,
            Reason = decision.Reason,
            Explain = decision.Explain,
            IntervalEnd = evidence.Metrics?.IntervalEnd,
            ProvisionedConcurrencyUtilization = evidence.Metrics?.ProvisionedConcurrencyUtilization,
            CpuUtilization = evidence.Metrics?.CPUUtilization,
            GpuMemUtilization = evidence.Metrics?.GPUMemUtilization,
            Proposals = evidence.Proposals.Select(p => new ScalingProposalInfo(p.Source, p.Target, p.Why)).ToList(),
        };
    }
}
