using Stasis.Client.Model;

namespace Stasis.Tests.Cli;

internal static class Fixtures
{
    public static readonly DateTimeOffset Now = new(2025, 1, 2, 12, 0, 0, TimeSpan.Zero);

    public static FunctionInfo Function(string name, InstanceCounts? counts = null, params TriggerInfo[] triggers) => new()
    {
        Spec = new FunctionSpec
        {
            FunctionName = name,
            Runtime = "custom.debian10",
            Timeout = 30,
            InstanceConcurrency = 4,
            CustomContainerConfig = new CustomContainerConfig { Command = ["python3", "app.py", "--model dir"], Port = 9000 },
            EnvironmentVariables = new() { ["TOKEN"] = "secret-value", ["MODEL"] = "x" },
        },
        Version = 3,
        CreatedAt = Now.AddHours(-2),
        UpdatedAt = Now.AddMinutes(-5),
        Url = $"http://127.0.0.1:7070/fn/{name}",
        Triggers = triggers.ToList(),
        Instances = counts ?? new InstanceCounts(),
    };

    public static TriggerInfo HttpTrigger(string fn, string name = "http-trigger") =>
        new(name, "http", "anonymous", ["GET", "POST"], $"http://127.0.0.1:7070/fn/{fn}");
}
