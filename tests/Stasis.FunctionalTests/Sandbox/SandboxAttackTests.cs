using System.Globalization;
using System.Text.Json.Nodes;

namespace Stasis.FunctionalTests.Sandbox;

/// <summary>
/// Each attack a function's code could make from inside its instance, tried for real against a sandboxed
/// server: each is refused or bounded, and the server and another function go on unharmed
/// (docs/security.md, "What a function can reach").
/// </summary>
[Collection("sandbox")]
public sealed class SandboxAttackTests(SandboxServerFixture fx) : IClassFixture<SandboxServerFixture>
{
    private static readonly int ServerPid = Environment.ProcessId; // the server runs in this test process

    [Fact]
    public async Task Nsenter_IntoTheServersNamespaces_IsRefused_ItsProcAndEnvironAreNotThere()
    {
        var victim = await fx.InstanceOfAsync("victim");
        var pid = ServerPid.ToString(CultureInfo.InvariantCulture);

        var nsenter = await fx.AttackAsync($"run?argv=nsenter&argv=-t&argv={pid}&argv=-n&argv=-m&argv=true");
        var environ = await fx.AttackAsync($"read?path=/proc/{pid}/environ");
        var setns = await fx.AttackAsync("setns?path=/proc/1/ns/net");
        var status = await fx.AttackAsync("status");

        Assert.NotEqual(0, (int)nsenter["code"]!);
        Assert.False((bool)environ["ok"]!, environ.ToJsonString());
        Assert.False((bool)setns["ok"]!, "setns needs CAP_SYS_ADMIN, which the instance does not have");
        // Its own pid namespace: its init, itself and what it runs; never the server's pid.
        var pids = status["procPids"]!.AsArray().Select(p => (int)p!).ToList();
        Assert.DoesNotContain(ServerPid, pids);
        Assert.All(pids, p => Assert.True(p < 100, $"pid {p} is not one of the instance's own"));
        await fx.VictimUnharmedAsync(victim.Id);
    }

    [Fact]
    public async Task TheDataDirectory_AnotherFunctionsCode_AndTheHostsRoot_AreNotThere()
    {
        var victimCode = Path.Combine(ServerFixture.EchoDirectory, "app.py");
        var store = Path.Combine(fx.DataDirectory, "stasis.db");
        Assert.True(File.Exists(store) && File.Exists(victimCode), "what the attacker goes for exists on the host");

        var readStore = await fx.AttackAsync($"read?path={Uri.EscapeDataString(store)}");
        var listData = await fx.AttackAsync($"list?path={Uri.EscapeDataString(fx.DataDirectory)}");
        var readCode = await fx.AttackAsync($"read?path={Uri.EscapeDataString(victimCode)}");
        var root = await fx.AttackAsync("list?path=/");
        var ownCode = await fx.AttackAsync("read?path=/code/app.py");

        Assert.False((bool)readStore["ok"]!, readStore.ToJsonString());
        Assert.False((bool)listData["ok"]!, listData.ToJsonString());
        Assert.False((bool)readCode["ok"]!, readCode.ToJsonString());
        Assert.True((bool)ownCode["ok"]!, "its own code is readable at /code");
        var entries = root["entries"]!.AsArray().Select(e => (string)e!).ToHashSet();
        Assert.Subset(new HashSet<string> { "bin", "code", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr" }, entries);
        Assert.DoesNotContain("root", entries);
        Assert.DoesNotContain("home", entries);
        Assert.DoesNotContain("var", entries);
        Assert.DoesNotContain("sys", entries);
        // The host's accounts and keys are not in its /etc.
        var shadow = await fx.AttackAsync("read?path=/etc/shadow");
        Assert.False((bool)shadow["ok"]!);
    }

    [Fact]
    public async Task AnotherInstance_CannotBeSeen_NorSignalled()
    {
        var victim = await fx.InstanceOfAsync("victim");
        var victimPid = victim.Pid!.Value;
        Assert.True(ServerFixture.ProcessAlive(victimPid));

        var kill = await fx.AttackAsync($"signal?pid={victimPid}&sig=9");
        var look = await fx.AttackAsync($"read?path=/proc/{victimPid}/cmdline");

        Assert.False((bool)kill["ok"]!, kill.ToJsonString());
        Assert.False((bool)look["ok"]!, look.ToJsonString());
        Assert.True(ServerFixture.ProcessAlive(victimPid));
        await fx.VictimUnharmedAsync(victim.Id);
    }

    [Fact]
    public async Task ItsCgroup_CannotBeLeft_NorItsLimitsChanged()
    {
        var attacker = await fx.InstanceOfAsync("attacker");

        var procs = await fx.AttackAsync("write?path=/sys/fs/cgroup/unified/cgroup.procs");
        var limit = await fx.AttackAsync("write?path=/sys/fs/cgroup/memory/memory.limit_in_bytes");
        var mount = await fx.AttackAsync("run?argv=mount&argv=-t&argv=cgroup2&argv=none&argv=/tmp");

        Assert.False((bool)procs["ok"]!, procs.ToJsonString());
        Assert.False((bool)limit["ok"]!, limit.ToJsonString());
        Assert.NotEqual(0, (int)mount["code"]!);
        // Seen from the host, its process is still in its instance's groups.
        var groups = File.ReadAllLines($"/proc/{attacker.Pid}/cgroup");
        Assert.Contains(groups, g => g.Contains($"/stasis/", StringComparison.Ordinal) && g.Contains(attacker.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoHostCapability_NoPrivilegedCall_AndRootInsideIsAnUnprivilegedUidOutside()
    {
        var attacker = await fx.InstanceOfAsync("attacker");

        var status = await fx.AttackAsync("status");
        var mount = await fx.AttackAsync("mount");
        var setns = await fx.AttackAsync("setns?path=/proc/self/ns/mnt");
        var chownHost = await fx.AttackAsync("run?argv=chown&argv=0&argv=/code/app.py");
        var readHostRoot = await fx.AttackAsync("read?path=/etc/ssl/private/ssl-cert-snakeoil.key");

        // CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, NET_BIND_SERVICE: over its own namespace only.
        Assert.Equal("00000000000004fb", (string)status["capEff"]!);
        Assert.Equal("0", (string)status["uid"]!); // root inside...
        var hostUid = long.Parse(File.ReadAllLines($"/proc/{attacker.Pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1], CultureInfo.InvariantCulture);
        Assert.True(hostUid >= 1L << 28, $"...is uid {hostUid} on the host, one of the function's own range"); // ...nobody outside
        Assert.False((bool)mount["ok"]!, mount.ToJsonString());
        Assert.Equal("EPERM", (string?)mount["error"]);
        Assert.False((bool)setns["ok"]!, setns.ToJsonString());
        Assert.NotEqual(0, (int)chownHost["code"]!); // its CAP_CHOWN covers none of the host's files
        if (File.Exists("/etc/ssl/private/ssl-cert-snakeoil.key"))
        {
            Assert.False((bool)readHostRoot["ok"]!, "its CAP_DAC_OVERRIDE covers none of the host's files");
        }
    }

    [Fact]
    public async Task ASyscallTheSeccompProfileDenies_IsDenied()
    {
        // kcmp(2) on itself needs no privilege, so outside a sandbox it succeeds; the profile allows it only with CAP_SYS_PTRACE.
        var outside = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/python3",
            ["-c", "import ctypes,os,platform; n={'x86_64':312,'aarch64':272}[platform.machine()]; p=os.getpid(); raise SystemExit(ctypes.CDLL(None).syscall(n,p,p,0,0,0))"]))!;
        await outside.WaitForExitAsync();
        Assert.Equal(0, outside.ExitCode);

        var inside = await fx.AttackAsync("kcmp");

        Assert.False((bool)inside["ok"]!, inside.ToJsonString());
        Assert.Equal("EPERM", (string?)inside["error"]);
    }

    [Fact]
    public async Task TwoThousandProcesses_AreHeldToThePidsLimit_AndTheServerGoesOn()
    {
        var victim = await fx.InstanceOfAsync("victim");

        var fork = await fx.AttackAsync("fork?n=2000");

        var started = (int)fork["started"]!;
        Assert.True(started < 512, $"{started} processes started; the limit is 512 with the server of the instance");
        Assert.Contains("BlockingIOError", (string?)fork["error"] ?? "", StringComparison.Ordinal); // EAGAIN from fork
        await fx.VictimUnharmedAsync(victim.Id);
        // The attacker itself still serves once its processes are gone.
        Assert.Equal("00000000000004fb", (string)(await fx.AttackAsync("status"))["capEff"]!);
    }

    [Fact]
    public async Task AGigabyteOfLogLines_IsDroppedAndCounted_TheLogStaysWithinItsQuota()
    {
        var victim = await fx.InstanceOfAsync("victim");
        var logs = Path.Combine(fx.DataDirectory, "logs", "attacker");

        var flood = await fx.AttackAsync("flood?mb=1024");

        Assert.Equal(1024L << 20, (long)flood["written"]!); // it was never blocked: its lines were read and dropped
        var onDisk = Directory.EnumerateFiles(logs, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(onDisk <= 64L << 20, $"{onDisk} bytes of logs on disk; the function's quota is 64 MB");
        await ServerFixture.Until(async () =>
        {
            using (await fx.Http.GetAsync("fn/attacker/status"))
            {
            }

            return (await fx.Http.GetStringAsync("api/v1/functions/attacker/logs?tail=200")).Contains("lines of output dropped: over 1 MB/s", StringComparison.Ordinal);
        }, "the log says how many lines were dropped", seconds: 60);
        await fx.VictimUnharmedAsync(victim.Id);
    }

    [Fact]
    public async Task FillingItsDisk_StopsAtDiskSize_AndTheRestIsReadOnly()
    {
        var fill = await fx.AttackAsync("fill?mb=1024&path=/tmp/big");
        var code = await fx.AttackAsync("write?path=/code/planted.py");
        var root = await fx.AttackAsync("write?path=/usr/bin/planted");
        var etc = await fx.AttackAsync("write?path=/etc/passwd");

        Assert.True((long)fill["written"]! <= (long)SandboxServerFixture.AttackerDiskMb << 20, fill.ToJsonString());
        Assert.Contains("No space left", (string?)fill["error"] ?? "", StringComparison.Ordinal);
        Assert.Contains("Read-only file system", (string?)code["error"] ?? "", StringComparison.Ordinal);
        Assert.False((bool)root["ok"]!);
        Assert.False((bool)etc["ok"]!);
        Assert.False(File.Exists(Path.Combine(SandboxServerFixture.AttackerDirectory, "planted.py")));
        await fx.AttackAsync("run?argv=rm&argv=-f&argv=/tmp/big");
    }
}
