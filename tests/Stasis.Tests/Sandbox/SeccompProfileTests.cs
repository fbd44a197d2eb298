using System.Text.Json.Nodes;
using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Tests.Sandbox;

public sealed class SeccompProfileTests
{
    private const string Profile = """
        {
          "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
          "archMap": [
            { "architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
            { "architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"] }
          ],
          "syscalls": [
            { "names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "args": [], "includes": {}, "excludes": {} },
            { "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ" }] },
            { "names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": { "arches": ["amd64", "x32"] } },
            { "names": ["arm_fadvise64_64"], "action": "SCMP_ACT_ALLOW", "includes": { "arches": ["arm", "arm64"] } },
            { "names": ["kcmp"], "action": "SCMP_ACT_ALLOW", "includes": { "caps": ["CAP_SYS_PTRACE"] } },
            { "names": ["kcmp"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": { "caps": ["CAP_SYS_PTRACE"] } },
            { "names": ["new_call"], "action": "SCMP_ACT_ALLOW", "includes": { "minKernel": "6.5" } },
            { "names": ["old_call"], "action": "SCMP_ACT_ALLOW", "excludes": { "minKernel": "5.0" } },
            { "names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": null, "includes": { "caps": ["CAP_AUDIT_WRITE"] } }
          ]
        }
        """;

    private static List<(string Name, string Action)> Rules(JsonObject oci) =>
        oci["syscalls"]!.AsArray().SelectMany(r => r!["names"]!.AsArray().Select(n => ((string)n!, (string)r["action"]!))).ToList();

    [Fact]
    public void Without_capabilities_on_amd64_the_capability_rules_become_refusals_and_other_arches_go()
    {
        var oci = SeccompProfile.Convert(Profile, "p.json", [], "amd64", new Version(6, 1));

        Assert.Equal("SCMP_ACT_ERRNO", (string)oci["defaultAction"]!);
        Assert.Equal(38u, (uint)oci["defaultErrnoRet"]!);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], oci["architectures"]!.AsArray().Select(a => (string)a!));
        var rules = Rules(oci);
        Assert.Contains(("arch_prctl", "SCMP_ACT_ALLOW"), rules);
        Assert.DoesNotContain(rules, r => r.Name == "arm_fadvise64_64");
        Assert.Equal([("kcmp", "SCMP_ACT_ERRNO")], rules.Where(r => r.Name == "kcmp"));
        Assert.DoesNotContain(rules, r => r.Name == "socket");
        Assert.DoesNotContain(rules, r => r.Name == "new_call"); // needs 6.5
        Assert.DoesNotContain(rules, r => r.Name == "old_call"); // only below 5.0
        var kcmp = oci["syscalls"]!.AsArray().Single(r => (string)r!["names"]![0]! == "kcmp")!;
        Assert.Equal(1u, (uint)kcmp["errnoRet"]!);
        var personality = oci["syscalls"]!.AsArray().Single(r => (string)r!["names"]![0]! == "personality")!;
        Assert.Equal(8, (int)personality["args"]![0]!["value"]!);
        Assert.Null(oci["syscalls"]!.AsArray().Single(r => (string)r!["names"]![0]! == "read")!["args"]);
    }

    [Fact]
    public void With_a_capability_its_allow_rule_is_kept_and_its_refusal_dropped_on_arm64()
    {
        var oci = SeccompProfile.Convert(Profile, "p.json", ["CAP_SYS_PTRACE"], "arm64", new Version(6, 8));

        var rules = Rules(oci);
        Assert.Equal([("kcmp", "SCMP_ACT_ALLOW")], rules.Where(r => r.Name == "kcmp"));
        Assert.Contains(("arm_fadvise64_64", "SCMP_ACT_ALLOW"), rules);
        Assert.DoesNotContain(rules, r => r.Name == "arch_prctl");
        Assert.Contains(("new_call", "SCMP_ACT_ALLOW"), rules);
        Assert.Equal(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"], oci["architectures"]!.AsArray().Select(a => (string)a!));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ERRNO"}""")]
    public void A_broken_profile_names_its_file(string text)
    {
        var e = Assert.Throws<InvalidDataException>(() => SeccompProfile.Convert(text, "/etc/x/seccomp.json", [], "amd64", new Version(6, 1)));
        Assert.StartsWith("/etc/x/seccomp.json: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Debians_maintained_profile_converts()
    {
        Assert.True(File.Exists(SeccompProfile.DefaultPath), $"{SeccompProfile.DefaultPath} is missing: apt-get install -y golang-github-containers-common (.ci/run does)");

        var oci = SeccompProfile.Convert(File.ReadAllText(SeccompProfile.DefaultPath), SeccompProfile.DefaultPath, [], SeccompProfile.HostGoArch(), SeccompProfile.HostKernel());
        var rules = Rules(oci);
        Assert.Contains(("read", "SCMP_ACT_ALLOW"), rules);
        Assert.DoesNotContain(("bpf", "SCMP_ACT_ALLOW"), rules); // needs CAP_SYS_ADMIN
        Assert.All(oci["syscalls"]!.AsArray(), r => Assert.Null(r!["includes"]));
    }

    [Theory]
    [InlineData("6.1.0-18-amd64", 6, 1)]
    [InlineData("6.18.44-fc-v1300", 6, 18)]
    [InlineData("5.15.0+", 5, 15)]
    [InlineData("weird", 0, 0)]
    public void Kernel_versions_are_read_as_major_and_minor(string release, int major, int minor) =>
        Assert.Equal(new Version(major, minor), SeccompProfile.ParseKernel(release));
}
