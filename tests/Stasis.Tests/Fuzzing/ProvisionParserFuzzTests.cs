using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck.Fluent;
using Stasis.Cli;
using Stasis.Cli.Parsing;
using Stasis.Cli.Simulating;
using Stasis.Client.Model;
using Stasis.Fuzzing;
using Stasis.Server.Autoscaling;
using Stasis.Server.Functions;

namespace Stasis.Tests.Fuzzing;

/// <summary>
/// Provision configs and their policies, fuzzed: whatever the JSON, the server's rules and the policy parser
/// answer with errors that say what to fix (never an exception), the CLI's readers fail only with a
/// <see cref="CliException"/> carrying a message, and every config they accept can be evaluated by the
/// autoscaler at any time without throwing. <c>STASIS_FUZZ_CASES</c> sets the cases per property.
/// </summary>
public sealed class ProvisionParserFuzzTests
{
    /// <summary>Instants the accepted policies are evaluated at: the edges of what a server sees, and daylight-saving jumps.</summary>
    private static readonly DateTimeOffset[] Instants =
    [
        new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2024, 3, 10, 7, 0, 0, TimeSpan.Zero), new(2024, 11, 3, 6, 30, 0, TimeSpan.Zero),
        new(2099, 12, 31, 23, 59, 59, TimeSpan.Zero), new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero),
    ];

    [Fact]
    public void ProvisionConfig_MutatedJson_AcceptedOrRefusedWithErrors() =>
        FuzzRun.Check("provision-rules", JsonFuzz.Arbitrary("provision.json", FuzzDocuments.ProvisionConfig),
            c => FuzzRun.Bounded(() => CheckConfig(c)), defaultCases: 150);

    [Fact]
    public void ProvisionFile_MutatedText_ReadOrCliException() =>
        FuzzRun.Check("cli-provision-file", JsonFuzz.Arbitrary("provision.json", FuzzDocuments.ProvisionConfig),
            c => FuzzRun.Bounded(() => CliOutcome(() => Sendable(ProvisionFile.Parse(Encoding.UTF8.GetString(c.Body), "provision.json")))), defaultCases: 100);

    // What the CLI read is sent to the server next, so it must be writable as JSON.
    private static object Sendable(ProvisionConfigInput input) => JsonSerializer.Serialize(input, JsonDefaults.Options);

    private static object Sendable(JsonArray list) => list.ToJsonString();

    [Fact]
    public void ProvisionPolicyFiles_MutatedText_ReadOrCliException() =>
        FuzzRun.Check("cli-policy-files", Arb.Zip(JsonFuzz.Arbitrary("policies", FuzzDocuments.TrackingList), JsonFuzz.Arbitrary("actions", FuzzDocuments.ActionsObject)),
            c => FuzzRun.Bounded(() => CliOutcome(() =>
            {
                Sendable(ProvisionInputs.ParseList(Encoding.UTF8.GetString(c.Item1.Body), ProvisionInputs.TargetTrackingPolicies, "policies.json"));
                Sendable(ProvisionInputs.ParseList(Encoding.UTF8.GetString(c.Item2.Body), ProvisionInputs.ScheduledActions, "actions.json"));
            })), defaultCases: 100);

    [Fact]
    public void ScheduleExpression_AnyText_ParsedOrRefusedWithMessage() =>
        FuzzRun.Check("cron-at", ScheduleFuzz.Cases, c => FuzzRun.Bounded(() => CheckSchedule(c)), defaultCases: 300);

    private static string CheckConfig(JsonCase c)
    {
        if (c.TryParse() is not JsonObject json)
        {
            return "not a JSON object";
        }

        ProvisionConfigInput input;
        try
        {
            input = ProvisionConfigJson.Read(json);
        }
        catch (JsonException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return "JsonException";
        }

        var errors = ProvisionRules.Validate(input, ProvisionRules.Latest);
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e)));
        var parsed = ScalingPolicyParser.TryParse(input.TargetTrackingPolicies, input.ScheduledActions, out var policies, out var parseErrors);
        Assert.Equal(parseErrors.Count == 0, parsed);
        Assert.All(parseErrors, e => Assert.Contains(e, errors));
        if (errors.Count > 0)
        {
            return "refused";
        }

        Evaluate(policies!, input.EffectiveTarget ?? 0);
        return "accepted";
    }

    private static string CheckSchedule(ScheduleCase c)
    {
        var action = new JsonObject { ["name"] = "fuzz", ["target"] = 1, ["scheduleExpression"] = c.Expression, ["timeZone"] = c.TimeZone };
        if (!ScalingPolicyParser.TryParse(null, [action], out var policies, out var errors))
        {
            Assert.NotEmpty(errors);
            Assert.All(errors, e => Assert.StartsWith("scheduledActions[0] (fuzz).", e, StringComparison.Ordinal));
            return "refused";
        }

        Evaluate(policies, 0);
        return c.Expression.TrimStart().StartsWith("at", StringComparison.OrdinalIgnoreCase) ? "accepted at()" : "accepted cron()";
    }

    /// <summary>The autoscaler decides with the policies at each instant, and each action says when it last fired.</summary>
    private static void Evaluate(ScalingPolicies policies, int defaultTarget)
    {
        foreach (var now in Instants)
        {
            var metrics = new ScalingMetrics(now.AddSeconds(-1), 0.7, 0.2, null) { Measured = 1 };
            var decision = Autoscaler.Decide(new ScalingInput(now, defaultTarget, defaultTarget == 0, policies, 1, metrics, new ScalingSettings()), ScalingState.Initial);
            Assert.InRange(decision.Target, 0, ProvisionRules.MaxTarget);
            Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
            foreach (var action in policies.ScheduledActions)
            {
                if (action.LastFiring(now) is { } fired)
                {
                    Assert.True(fired <= now, $"{action.Key} fired at {fired:O}, after {now:O}");
                }
            }
        }
    }

    /// <summary>A CLI reader either returns or throws a <see cref="CliException"/> with a message; anything else fails the case.</summary>
    private static string CliOutcome(Action read)
    {
        try
        {
            read();
            return "read";
        }
        catch (CliException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return e.GetType().Name;
        }
    }

    private static string CliOutcome(Func<object> read) => CliOutcome(() => { read(); });
}
