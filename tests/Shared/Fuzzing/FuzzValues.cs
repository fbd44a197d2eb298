namespace Stasis.Fuzzing;

/// <summary>
/// Pools of values that break things, as JSON texts: wrong types, edge numbers, odd strings, and for
/// the fields whose parsing is richer (schedules, time zones, names, counts) the near misses of that field.
/// </summary>
public static class FuzzValues
{
    /// <summary>Any field: every JSON type, numbers at and past the edges of int, long and double, odd text.</summary>
    public static readonly string[] Generic =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "2", "0.5", "-0.5", "1.0", "1e3", "1e308", "-1e308", "1e400", "-1e400", "1E-400", "5e-324",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "123456789012345678901234567890", "0.1e1", "100000000000000000000000000000000000000000000000000e-50",
        "\"\"", "\" \"", "\"x\"", "\"null\"", "\"0\"", "\"-1\"", "\"1e400\"", "\"true\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800\"",
        "\"\\uffff\"", "\"\\u202e\"", "\"😀\"", "\"é\"", "\"../../../../etc/passwd\"", "\"/etc/passwd\"", "\"${vars.a}\"",
        "\"${env('HOME')}\"", "\"%s%n%x\"", "\"'; DROP TABLE functions; --\"", "\"<script>alert(1)</script>\"", "\"a\\nb\"",
        "\"\\t\"", "\"\\r\\n\"", "\"LATEST\"", "\"GET\"", "[]", "{}", "[null]", "[[]]", "[{}]", "{\"\":\"\"}", "{\"a\":null}",
        "[\"GET\"]", "[1,2,3]", "[\"a\",1,null,true,{}]", "{\"$type\":\"x\"}", "{\"$ref\":\"#\"}",
    ];

    /// <summary>Names for fields added to objects: near misses of real ones, metadata keys, odd text.</summary>
    public static readonly string[] FieldNames =
    [
        "x", "", " ", "FunctionName", "functionname", "FUNCTIONNAME", "__proto__", "constructor", "unknownProps", "provisionConfig",
        "timeuot", "$type", "$id", "$ref", "$values", "\u0000", "😀", "metricType", "MetricType", "name", "NAME", "target", "Target",
        "defaultTarget", "DefaultTarget", "scheduleExpression", "triggers", "environmentVariables", "code", "qualifier",
        new string('k', 300),
    ];

    /// <summary>Values for one field (matched ignoring case); null when it has no pool of its own.</summary>
    public static string[]? For(string? field) => field?.ToLowerInvariant() switch
    {
        "functionname" => Strings("fuzz-put", "a", "_", "-a", "1a", "a b", "a/b", "a.b", "..", ".", new string('x', 64), new string('x', 65), "ü", "", "fuzz\u0000", "FUZZ-PUT", "fuzz-put ", "fuzz%2Fput"),
        "timeout" or "memorysize" or "instanceconcurrency" or "maxinstances" or "maxqueuelength" or "idletimeout" or "port" or "disksize"
            or "gpumemorysize" or "defaulttarget" or "target" or "mincapacity" or "maxcapacity" =>
            ["0", "1", "-1", "2", "0.5", "1.5", "63", "64", "200", "201", "1000", "1001", "10000", "10001", "65535", "65536", "86400", "86401",
             "131072", "131073", "100000", "100001", "2147483647", "2147483648", "-2147483648", "1e3", "1.0", "1e-9", "\"1\"", "\"\"", "null"],
        "cpu" => ["0", "0.05", "0.049", "16", "16.01", "-1", "1e-300", "1e308", "\"1\"", "null"],
        "metrictarget" => ["0", "1", "0.6", "1.0000001", "0.9999999", "-0.1", "1e-300", "5e-324", "2", "\"0.6\"", "null"],
        "metrictype" => Strings("ProvisionedConcurrencyUtilization", "CPUUtilization", "GPUMemUtilization", "cpuutilization", "0", "1", "-1", "2", "None", "Unknown", "", " CPUUtilization", "CPUUtilization,GPUMemUtilization"),
        "scheduleexpression" => Strings(ScheduleExpressions),
        "timezone" => Strings(TimeZones),
        "starttime" or "endtime" => Strings(Times),
        "name" => Strings("busy", "morning", "once", "", " ", "a", new string('n', 1000), "😀", "\u0000"),
        "methods" => ["[\"GET\"]", "[\"get\"]", "[\"FOO\"]", "[\"\"]", "[\" GET \"]", "[null]", "\"GET\"", "[]", "[\"GET\",\"GET\",\"get\"]", "[\"CONNECT\"]", "[\"TRACE\"]", "[1]"],
        "triggertype" => Strings("http", "HTTP", "timer", "oss", "", " http"),
        "authtype" => Strings("anonymous", "ANONYMOUS", "function", "", "none"),
        "schedulingpolicy" => Strings("join-idle-queue", "least-outstanding", "power-of-two-choices", "random", "round-robin", "", "JOIN-IDLE-QUEUE", "fifo"),
        "runtime" => Strings("custom-container", "custom.debian10", "custom", "custom.", "python3.10", "", "customfoo"),
        "code" => Strings("/", "relative", "", "/nonexistent", "/proc/self", "a\u0000b", "~", "../..", "/dev/null"),
        "entrypoint" or "command" => ["[\"/nonexistent/fuzz-server\"]", "[]", "[\"\"]", "[\" \"]", "[\"\\u0000\"]", "[null]", "\"/nonexistent/fuzz-server\"", "[1]", "[[]]"],
        "environmentvariables" => ["{\"A\":\"1\"}", "{\"1A\":\"x\"}", "{\"\":\"x\"}", "{\"A\":null}", "{\"A\":1}", "{\"A\":[]}", "{\"PATH\":\"/nonexistent\"}", "{\"A-B\":\"x\"}", "{\"A\\u0000\":\"x\"}", "[]"],
        "triggers" => ["[]", "[null]", "[{}]", "[{\"triggerName\":null}]", "[{\"triggerName\":\"a\"},{\"triggerName\":\"a\"}]", "[{\"triggerType\":null}]", "[{\"triggerConfig\":{\"methods\":[null]}}]", "{}"],
        "qualifier" => Strings("LATEST", "latest", "1", "", "LATEST "),
        "alwaysallocatecpu" or "alwaysallocategpu" => ["true", "false", "\"false\"", "0", "1", "null"],
        "targettrackingpolicies" or "scheduledactions" => ["[]", "[null]", "[1]", "[\"x\"]", "[[]]", "[{}]", "{}", "null", $"[{string.Join(",", Enumerable.Repeat("{}", 101))}]"],
        _ => null,
    };

    /// <summary>Cron and at() expressions: valid ones, near misses, impossible dates, the edges of time.</summary>
    public static readonly string[] ScheduleExpressions =
    [
        "cron(0 0 8 * * *)", "cron(0 30 7 * * MON-FRI)", "cron(0 0 0 L * ?)", "cron(0 0 12 15W * ?)", "cron(0 0 0 ? * 6#3)", "cron(*/5 * * * * *)",
        "cron(0 0 8 31 2 *)", "cron(0 0 8 30 2 ?)", "cron(* * * * *)", "cron(* * * * * * *)", "cron()", "cron( )", "cron(", "cron)", "CRON(0 0 8 * * *)",
        "cron(60 0 8 * * *)", "cron(0 60 8 * * *)", "cron(0 0 24 * * *)", "cron(0 0 8 0 * *)", "cron(0 0 8 * 13 *)", "cron(0 0 8 * * 8)",
        "cron(-1 0 8 * * *)", "cron(0-99 * * * * *)", "cron(*/0 * * * * *)", "cron(0 0 8 * * MON-)", "cron(0 0 8 L-40 * ?)", "cron(0 0 8 ? * 7#6)",
        "cron(0 0 8 * * *) ", " cron(0 0 8 * * *)", "cron(0\t0\t8\t*\t*\t*)", "cron(0 0 8 * * *)(", "cron(@daily)", "cron(0 0 8 * * * 2024)",
        "cron(0 0 8 1-31/400 * *)", "cron(0 0 8 * JAN-DEC/13 *)", "cron(0,0,0,0,0,0,0,0,0,0 0 8 * * *)",
        "at(2024-03-10T08:00:00Z)", "at(2024-03-10T08:00:00)", "at(2024-03-10T08:00Z)", "at(2024-03-10T08:00:00.1234567Z)", "at(2024-03-10T08:00:00.12345678Z)",
        "at(0001-01-01T00:00:00+14:00)", "at(0001-01-01T00:00:00)", "at(0001-01-01T00:00:00Z)", "at(9999-12-31T23:59:59-14:00)", "at(9999-12-31T23:59:59.9999999)",
        "at(2024-02-30T00:00:00Z)", "at(2024-03-10T02:30:00)", "at(2024-13-01T00:00:00Z)", "at(2024-03-10T08:00:00+14:01)", "at(2024-03-10T08:00:00+99:99)",
        "at(2024-03-10T24:00:00Z)", "at(2024-03-10)", "at()", "at(now)", "at(", "AT(2024-03-10T08:00:00Z)", "at( 2024-03-10T08:00:00Z )",
        "rate(5 minutes)", "", " ", "0 0 8 * * *", "cron", "at",
    ];

    /// <summary>Time zones: IANA names, aliases, paths and near misses.</summary>
    public static readonly string[] TimeZones =
    [
        "UTC", "utc", "Etc/UTC", "Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Kiritimati", "Etc/GMT+12", "Etc/GMT-14",
        "Local", "local", "/etc/localtime", "../../../etc/passwd", "Asia/../Asia/Shanghai", "Asia//Shanghai", "Asia/Shanghai\u0000", "posixrules",
        "Factory", "zone.tab", "tzdata.zi", "leapseconds", "right/UTC", "posix/Asia/Shanghai", "", " ", new string('A', 300), "+08:00", "GMT+8",
        "China Standard Time", "Asia/Shangha", "asia/shanghai", ".", "/", "~", "Asia/Shanghai/", "\\", "%2e%2e",
    ];

    /// <summary>ISO times and near misses: impossible dates, the edges of DateTimeOffset, daylight-saving gaps.</summary>
    public static readonly string[] Times =
    [
        "2024-03-10T08:00:00Z", "2024-03-10T08:00:00", "2024-03-10T08:00", "2024-03-10T08:00:00.5+08:00", "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59.9999999-14:00", "9999-12-31T23:59:59.9999999+14:00",
        "9999-12-31T23:59:59.9999999", "2024-02-30T00:00:00Z", "2024-03-10T02:30:00", "2024-13-01T00:00:00Z", "2024-03-10T08:00:00+14:01",
        "2024-03-10T08:00:00+99:99", "2024-03-10", "now", "yesterday", "", "2024-03-10T08:00:00ZZ", "２０２４-03-10T08:00:00Z",
    ];

    /// <summary>Lengths of long strings: around the limits that matter (64-character names) and far past them.</summary>
    public static readonly int[] Lengths = [0, 1, 63, 64, 65, 255, 256, 1000, 4096, 65_536, 300_000];

    /// <summary>Depths of nesting: at, just past and far past JSON's default limit of 64.</summary>
    public static readonly int[] Depths = [2, 10, 63, 64, 65, 100, 1000, 10_000, 100_000];

    /// <summary>Element counts of long arrays: past the 100 policies a config may hold, and far past.</summary>
    public static readonly int[] Counts = [2, 100, 101, 1000, 10_000];

    /// <summary>What long strings are made of: one- to four-byte UTF-8, escapes, characters paths and URLs treat specially.</summary>
    public static readonly string[] Fillers = ["a", "é", "中", "😀", "\\u0000", "\\\"", "\\\\", " ", "%", "/", "\\n"];

    private static string[] Strings(params string[] values) =>
        values.Select(v => System.Text.Json.JsonSerializer.Serialize(v)).ToArray();
}
