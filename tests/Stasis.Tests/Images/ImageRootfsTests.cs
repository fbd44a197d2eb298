using Stasis.Server.Images;
using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Tests.Images;

/// <summary>An image's root file system is untrusted: its links resolve inside it, its accounts are its own.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ImageRootfsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stasis-rootfs-").FullName;

    public ImageRootfsTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "usr", "bin"));
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        File.WriteAllText(Path.Combine(_root, "usr", "bin", "python3"), "");
        File.SetUnixFileMode(Path.Combine(_root, "usr", "bin", "python3"), (UnixFileMode)Convert.ToInt32("755", 8));
        File.CreateSymbolicLink(Path.Combine(_root, "bin"), "usr/bin");
        File.WriteAllText(Path.Combine(_root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n");
        File.WriteAllText(Path.Combine(_root, "etc", "group"), "root:x:0:\nstaff:x:50:\n");
    }

    [Fact]
    public void An_absolute_link_resolves_inside_the_image_never_on_the_host()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "etc", "hostile"), "/etc/shadow");
        File.CreateSymbolicLink(Path.Combine(_root, "up"), "../../../../../etc");

        Assert.Null(ImageRootfs.Resolve(_root, "/etc/hostile")); // the image has no /etc/shadow; the host's is never reached
        Assert.Equal(Path.Combine(_root, "etc", "passwd"), ImageRootfs.Resolve(_root, "/up/passwd"));
        Assert.Equal(Path.Combine(_root, "usr", "bin", "python3"), ImageRootfs.Resolve(_root, "/bin/python3"));
    }

    [Fact]
    public void A_link_loop_resolves_to_nothing()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "a"), "/b");
        File.CreateSymbolicLink(Path.Combine(_root, "b"), "/a");

        Assert.Null(ImageRootfs.Resolve(_root, "/a/x"));
    }

    [Fact]
    public void Programs_are_found_in_the_images_path_and_by_path()
    {
        Assert.NotNull(ImageRootfs.FindExecutable(_root, "python3", "/", "/usr/local/bin:/bin"));
        Assert.NotNull(ImageRootfs.FindExecutable(_root, "/bin/python3", "/", ""));
        Assert.Null(ImageRootfs.FindExecutable(_root, "python3", "/", "/usr/local/bin"));
        Assert.Null(ImageRootfs.FindExecutable(_root, "/etc/passwd", "/", "")); // not executable
    }

    [Theory]
    [InlineData("", 0, 0)]
    [InlineData("app", 1000, 1001)]
    [InlineData("1000", 1000, 1001)]
    [InlineData("4242", 4242, 4242)]
    [InlineData("app:staff", 1000, 50)]
    [InlineData("33:44", 33, 44)]
    public void A_user_is_found_in_the_images_accounts(string user, long uid, long gid) =>
        Assert.Equal((uid, gid), ImageRootfs.User(_root, user, out _));

    [Theory]
    [InlineData("nobody-here", "user 'nobody-here' is not in the image's /etc/passwd")]
    [InlineData("app:wheel", "group 'wheel' is not in the image's /etc/group")]
    [InlineData("70000", "user '70000' has an id over 65535, the highest an instance's user namespace maps")]
    public void A_user_the_image_cannot_have_is_named(string user, string problem)
    {
        Assert.Null(ImageRootfs.User(_root, user, out var said));
        Assert.Equal(problem, said);
    }

    [Fact]
    public void Mount_points_are_made_where_missing_but_never_through_a_link()
    {
        var outside = Directory.CreateTempSubdirectory("stasis-outside-").FullName;
        try
        {
            Directory.Delete(Path.Combine(_root, "etc"), recursive: true);
            File.CreateSymbolicLink(Path.Combine(_root, "etc"), outside);

            ImageRootfs.PrepareMountPoints(_root, new UidRange(0, 65536));

            Assert.Empty(Directory.GetFileSystemEntries(outside)); // nothing written through the image's link
            Assert.True(Directory.Exists(Path.Combine(_root, "proc")));
            Assert.True(Directory.Exists(Path.Combine(_root, "tmp")));
            Assert.True(File.Exists(Path.Combine(_root, ImageRootfs.InitPath.TrimStart('/'))));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
