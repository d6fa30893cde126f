using Lifeboat.Testing;
using Lifeboat.Tests.Postgres.Wal;

namespace Lifeboat.Tests.Cli;

/// <summary>
/// A local repository is readable by its owner only (or its group, when its top folder was made group-accessible), under
/// the usual umask 022, whichever command wrote the object.
/// </summary>
public sealed class PermissionTests : IDisposable
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode GroupFolder = PrivateFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private Dictionary<string, string?> Env(string repo, string? keyFile = null) => new()
    {
        ["LIFEBOAT_REPOSITORY"] = _temp[repo],
        ["LIFEBOAT_PASSWORD"] = "permissions",
        ["LIFEBOAT_FROM_PASSWORD"] = "permissions",
        ["LIFEBOAT_KEY_FILE"] = keyFile,
    };

    private static async Task RunAsync(Dictionary<string, string?> env, params string[] args)
    {
        var result = await CliRunner.RunUnderUmaskAsync("022", env, args);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result.Stdout}{result.Stderr}");
    }

    [Fact]
    public async Task Every_object_and_folder_that_any_command_writes_is_private_to_the_owner_and_read_only_under_umask_022()
    {
        var source = _temp["source"];
        for (var i = 0; i < 4; i++)
        {
            TestData.Write(Path.Combine(source, $"f{i}.bin"), TestData.Random(300_000, i));
        }
        var repo = Env("repo");
        await RunAsync(repo, "init");
        await RunAsync(repo, "backup", source);
        var key = Path.Combine(_temp.Path, "wal.key");
        await RunAsync(repo, "key", "add", "--random-key-file", key);
        var segment = FakeSegments.Write(Directory.CreateDirectory(_temp["pg_wal"]).FullName, 7301234567890123456, 3);
        await RunAsync(Env("repo", key), "wal", "push", segment);
        TestData.Write(Path.Combine(source, "f0.bin"), TestData.Random(300_000, 99));
        await RunAsync(repo, "backup", source);
        await RunAsync(repo, "forget", "--keep-last", "1");
        // Prune deletes packs and index files that are now read-only, and writes new ones.
        await RunAsync(repo, "prune", "--repack-below", "100%");
        await RunAsync(repo, "repair", "index");
        var offsite = Env("offsite");
        await RunAsync(offsite, "init", "--copy-chunker-from", _temp["repo"]);
        await RunAsync(offsite, "copy", "--from-repo", _temp["repo"]);
        await RunAsync(repo, "check", "--read-data");

        foreach (var root in new[] { _temp["repo"], _temp["offsite"] })
        {
            AssertModes(root, PrivateFolder, UnixFileMode.UserRead);
        }
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(_temp["repo"], "wal")));
    }

    [Fact]
    public async Task A_repository_whose_top_folder_was_made_group_accessible_stays_readable_by_that_group_only()
    {
        var root = Directory.CreateDirectory(Path.Combine(_temp.Path, "shared")).FullName;
        File.SetUnixFileMode(root, GroupFolder | UnixFileMode.SetGroup);
        TestData.Write(Path.Combine(_temp["source"], "a.bin"), TestData.Random(100_000, 1));
        var repo = Env("shared");
        await RunAsync(repo, "init");
        await RunAsync(repo, "backup", _temp["source"]);
        AssertModes(root, GroupFolder, UnixFileMode.UserRead | UnixFileMode.GroupRead, skipRoot: true);
    }

    [Fact]
    public async Task What_root_writes_into_another_users_repository_belongs_to_that_user_so_the_repository_stays_readable_to_it()
    {
        // A repository of the postgres user (archive_command and restore_command run as postgres) that root also writes
        // to (wal receive, a backup run by hand): an object only root could read would break PostgreSQL's restore.
        var postgres = Lifeboat.FileSystem.Posix.LStat("/var/lib/postgresql");
        Assert.NotEqual(0u, postgres.Uid);
        TestData.Write(Path.Combine(_temp["source"], "a.bin"), TestData.Random(100_000, 1));
        var repo = Env("theirs");
        await RunAsync(repo, "init");
        // As if postgres had made it: everything in it is theirs.
        foreach (var entry in Directory.EnumerateFileSystemEntries(_temp["theirs"], "*", SearchOption.AllDirectories).Append(_temp["theirs"]))
        {
            Lifeboat.FileSystem.Posix.LChown(entry, postgres.Uid, postgres.Gid);
        }
        await RunAsync(repo, "backup", _temp["source"]);
        var created = Directory.EnumerateFileSystemEntries(_temp["theirs"], "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(created, e => e.Contains("/snapshots/", StringComparison.Ordinal));
        Assert.Contains(created, e => e.Contains("/data/", StringComparison.Ordinal));
        foreach (var entry in created)
        {
            var status = Lifeboat.FileSystem.Posix.LStat(entry);
            Assert.True(status.Uid == postgres.Uid && status.Gid == postgres.Gid, $"{entry} belongs to {status.Uid}:{status.Gid}, not {postgres.Uid}:{postgres.Gid}");
        }
    }

    private static void AssertModes(string root, UnixFileMode folder, UnixFileMode file, bool skipRoot = false)
    {
        if (!skipRoot)
        {
            Assert.Equal(folder, File.GetUnixFileMode(root));
        }
        var files = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            var expected = Directory.Exists(entry) ? folder : file;
            Assert.True(File.GetUnixFileMode(entry) == expected, $"{entry} is {File.GetUnixFileMode(entry)}, expected {expected}");
            files += Directory.Exists(entry) ? 0 : 1;
        }
        Assert.True(files >= 5, $"only {files} files in {root}");
    }
}
