using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Runtime;

/// <summary>
/// FC's custom runtimes as users write them: no start command (FC runs the code's <c>bootstrap</c>) and code as
/// a .zip package, which the server unpacks. The archive is untrusted input: entries that climb out of it,
/// links out of it, and a missing or non-executable bootstrap are refused with one message that says what to fix.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CustomRuntimeTests : IClassFixture<ServerFixture>, IDisposable
{
    private const string Bootstrap = "#!/bin/sh\nexport GREETING=from-bootstrap\nexec python3 \"$(dirname \"$0\")/app.py\"\n";

    private readonly ServerFixture fx;
    private readonly string dir = Path.Combine(Path.GetTempPath(), "stasis-custom-" + Guid.NewGuid().ToString("N")[..8]);

    public CustomRuntimeTests(ServerFixture fx)
    {
        this.fx = fx;
        Directory.CreateDirectory(dir);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static FunctionSpec Custom(string name, string code) => ServerFixture.Echo(name) with
    {
        Runtime = "custom.debian10",
        Code = code,
        CustomContainerConfig = null,
    };

    private string CodeDirectory(string name, string? bootstrap = Bootstrap, UnixFileMode mode = (UnixFileMode)0x1ED)
    {
        var code = Path.Combine(dir, name);
        Directory.CreateDirectory(code);
        File.Copy(Path.Combine(ServerFixture.EchoDirectory, "app.py"), Path.Combine(code, "app.py"));
        if (bootstrap is not null)
        {
            File.WriteAllText(Path.Combine(code, "bootstrap"), bootstrap);
            File.SetUnixFileMode(Path.Combine(code, "bootstrap"), mode);
        }

        return code;
    }

    /// <summary>A zip of <paramref name="entries"/> (name, text, unix mode or 0 for none; a mode of 0xA1FF makes a link).</summary>
    private string Zip(string name, params (string Name, string Text, int Mode)[] entries)
    {
        var path = Path.Combine(dir, name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (entryName, text, mode) in entries)
        {
            var entry = zip.CreateEntry(entryName);
            entry.ExternalAttributes = mode << 16;
            using var writer = new StreamWriter(entry.Open());
            writer.Write(text);
        }

        return path;
    }

    private static string App => File.ReadAllText(Path.Combine(ServerFixture.EchoDirectory, "app.py"));

    private async Task<JsonObject> InvokeAsync(string name)
    {
        using var response = await fx.Http.GetAsync($"fn/{name}/invoke");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task<(ErrorBody Error, string Text)> RefusedAsync(FunctionSpec spec)
    {
        using var response = await fx.Http.PutAsJsonAsync($"api/v1/functions/{spec.FunctionName}", spec, JsonDefaults.Options);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using var lookup = await fx.Http.GetAsync($"api/v1/functions/{spec.FunctionName}");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!, text);
    }

    [Fact]
    public async Task A_custom_runtime_without_a_command_starts_the_codes_bootstrap()
    {
        await fx.DeployAsync(Custom("boot-dir", CodeDirectory("boot-dir")));

        var answer = await InvokeAsync("boot-dir");

        Assert.Equal("from-bootstrap", (string?)answer["env"]!["GREETING"]);
    }

    [Fact]
    public async Task A_zip_package_is_unpacked_by_the_server_and_its_bootstrap_runs_even_without_modes()
    {
        // Made without Unix modes (as on Windows): bootstrap must still be executable, as FC makes it.
        var zip = Zip("code.zip", ("bootstrap", Bootstrap, 0), ("app.py", App, 0), ("lib/", "", 0));
        using var response = await fx.Http.PutAsJsonAsync("api/v1/functions/boot-zip", Custom("boot-zip", zip), JsonDefaults.Options);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var deployed = (await response.Content.ReadFromJsonAsync<DeployResult>(JsonDefaults.Options))!;

        Assert.Contains(deployed.Notices, n => n.Contains("unpacked by the server", StringComparison.Ordinal) && n.Contains("2 files", StringComparison.Ordinal));
        Assert.StartsWith(Path.Combine(Path.GetFullPath(fx.DataDirectory), "code"), deployed.Function.Spec.Code);
        Assert.Equal("from-bootstrap", (string?)(await InvokeAsync("boot-zip"))["env"]!["GREETING"]);

        // The same archive again is the same code: nothing to roll out.
        using var again = await fx.Http.PutAsJsonAsync("api/v1/functions/boot-zip", Custom("boot-zip", zip), JsonDefaults.Options);
        Assert.Equal("unchanged", (await again.Content.ReadFromJsonAsync<DeployResult>(JsonDefaults.Options))!.Outcome);
    }

    [Fact]
    public async Task A_zip_entry_that_climbs_out_is_refused_and_nothing_is_written_outside()
    {
        var outside = Path.Combine(fx.DataDirectory, "escaped");
        var zip = Zip("slip.zip", ("bootstrap", Bootstrap, 0x1ED), ("../../escaped", "owned", 0x1A4));

        var (error, _) = await RefusedAsync(Custom("slip", zip));

        Assert.Equal("InvalidCode", error.Code);
        Assert.Contains("'../../escaped', which would unpack outside the code's directory", error.Message);
        Assert.False(File.Exists(outside));
        Assert.False(File.Exists(Path.Combine(fx.DataDirectory, "code", "escaped")));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(fx.DataDirectory, "code"), ".unpack-*"));
    }

    [Fact]
    public async Task A_zip_link_out_of_the_code_is_refused()
    {
        var zip = Zip("link.zip", ("bootstrap", Bootstrap, 0x1ED), ("app.py", "/etc/shadow", 0xA1FF));

        var (error, _) = await RefusedAsync(Custom("link", zip));

        Assert.Equal("InvalidCode", error.Code);
        Assert.Contains("the link 'app.py' to /etc/shadow, outside the code's directory", error.Message);
    }

    [Fact]
    public async Task A_missing_bootstrap_says_to_add_one_or_set_a_command()
    {
        var (error, _) = await RefusedAsync(Custom("no-boot", CodeDirectory("no-boot", bootstrap: null)));

        Assert.Equal("InvalidCode", error.Code);
        Assert.Contains("has no bootstrap: add an executable bootstrap that serves HTTP on $FC_SERVER_PORT, or set customRuntimeConfig.command", error.Message);
    }

    [Fact]
    public async Task A_zip_of_the_folder_rather_than_its_contents_says_so()
    {
        var zip = Zip("nested.zip", ("code/bootstrap", Bootstrap, 0x1ED), ("code/app.py", App, 0x1A4));

        var (error, _) = await RefusedAsync(Custom("nested", zip));

        Assert.Contains("it is at code/bootstrap, not at the code's root: zip or point code at the folder's contents, not the folder", error.Message);
    }

    [Fact]
    public async Task A_bootstrap_that_is_not_executable_says_chmod()
    {
        var code = CodeDirectory("noexec", mode: UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (error, _) = await RefusedAsync(Custom("noexec", code));

        Assert.Contains($"{code}/bootstrap is not executable: chmod +x it", error.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_a_zip_is_refused_as_code()
    {
        var file = Path.Combine(dir, "code.tar");
        await File.WriteAllTextAsync(file, "not an archive Stasis unpacks");

        var (error, _) = await RefusedAsync(Custom("tar", file));

        Assert.Contains("is a file, not a directory or a .zip archive", error.Message);
    }

    [Fact]
    public async Task A_damaged_zip_is_refused_with_what_to_do()
    {
        var file = Path.Combine(dir, "broken.zip");
        await File.WriteAllBytesAsync(file, [0x50, 0x4B, 0x03, 0x04, 1, 2, 3]);

        var (error, _) = await RefusedAsync(Custom("broken", file));

        Assert.Contains("is not a readable zip archive", error.Message);
        Assert.Contains("zip the code directory again", error.Message);
    }
}
