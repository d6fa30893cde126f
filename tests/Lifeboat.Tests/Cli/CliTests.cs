using System.Text.Json;
using Lifeboat.Cli;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>The command line as users and scripts meet it: documented exit codes, clear messages, JSON output.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _repo;
    private readonly string _source;
    private readonly Dictionary<string, string?> _env;

    public CliTests()
    {
        _repo = _temp["repo"];
        _source = _temp["source"];
        _env = new() { ["LIFEBOAT_REPOSITORY"] = _repo, ["LIFEBOAT_PASSWORD"] = "cli-test-password" };
        TestData.Write(Path.Combine(_source, "a.txt"), TestData.Text(50_000, 1));
        TestData.Write(Path.Combine(_source, "sub/b.bin"), TestData.Random(300_000, 2));
    }

    public void Dispose() => _temp.Dispose();

    private Task<CliRunner.Result> Run(params string[] args) => CliRunner.RunAsync(_env, args);

    private async Task InitAndBackupAsync()
    {
        Assert.Equal(0, (await Run("init")).ExitCode);
        var backup = await Run("backup", _source, "--tag", "first");
        Assert.True(backup.ExitCode == 0, backup.Stderr);
    }

    [Fact]
    public async Task Init_backup_snapshots_ls_and_restore_work_end_to_end()
    {
        await InitAndBackupAsync();
        var snapshots = await Run("snapshots", "--json");
        Assert.Equal(0, snapshots.ExitCode);
        using var json = JsonDocument.Parse(snapshots.Stdout);
        var only = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("first", only.GetProperty("snapshot").GetProperty("tags")[0].GetString());

        var ls = await Run("ls", "latest");
        Assert.Contains(_source + "/sub/b.bin", ls.Stdout);

        var restore = await Run("restore", "latest", "--target", _temp["restore"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_source, "sub/b.bin")), File.ReadAllBytes(_temp["restore"] + _source + "/sub/b.bin"));
        Assert.Equal(0, (await Run("check", "--read-data")).ExitCode);
    }

    [Fact]
    public async Task A_wrong_password_exits_with_code_12_and_says_so()
    {
        await InitAndBackupAsync();
        _env["LIFEBOAT_PASSWORD"] = "wrong";
        var result = await Run("snapshots");
        Assert.Equal(ExitCodes.WrongPassword, result.ExitCode);
        Assert.Contains("wrong password", result.Stderr);
    }

    [Fact]
    public async Task A_folder_that_is_not_a_repository_exits_with_code_10()
    {
        _env["LIFEBOAT_REPOSITORY"] = _source;
        var result = await Run("snapshots");
        Assert.Equal(ExitCodes.NoRepository, result.ExitCode);
        Assert.Contains("lifeboat init", result.Stderr);
    }

    [Fact]
    public async Task Without_a_password_or_a_terminal_the_command_fails_instead_of_waiting()
    {
        _env.Remove("LIFEBOAT_PASSWORD");
        _env["LIFEBOAT_PASSWORD"] = null;
        var result = await Run("init");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("LIFEBOAT_PASSWORD", result.Stderr);
        Assert.False(Directory.Exists(_repo));
    }

    [Fact]
    public async Task Unknown_options_and_missing_repositories_are_usage_errors()
    {
        Assert.Equal(ExitCodes.Usage, (await Run("snapshots", "--no-such-option")).ExitCode);
        _env.Remove("LIFEBOAT_REPOSITORY");
        _env["LIFEBOAT_REPOSITORY"] = null;
        var result = await Run("snapshots");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--repo", result.Stderr);
    }

    [Fact]
    public async Task Init_refuses_a_non_empty_folder_and_an_existing_repository()
    {
        await InitAndBackupAsync();
        Assert.Equal(ExitCodes.Failure, (await Run("init")).ExitCode);
        _env["LIFEBOAT_REPOSITORY"] = _source;
        var result = await Run("init");
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("not empty", result.Stderr);
    }

    [Fact]
    public async Task Backing_up_a_missing_path_fails_and_records_no_snapshot()
    {
        Assert.Equal(0, (await Run("init")).ExitCode);
        var result = await Run("backup", _temp["missing"]);
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr);
        Assert.Empty(Directory.GetFiles(Path.Combine(_repo, "snapshots")));
    }

    [Fact]
    public async Task Damage_gives_exit_code_4_from_check_and_3_from_restore_naming_the_file()
    {
        await InitAndBackupAsync();
        foreach (var pack in Directory.GetFiles(Path.Combine(_repo, "data"), "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(pack, FileMode.Open, FileAccess.ReadWrite);
            stream.Position = 100;
            var b = stream.ReadByte();
            stream.Position = 100;
            stream.WriteByte((byte)(b ^ 1));
        }
        var check = await Run("check", "--read-data");
        Assert.Equal(ExitCodes.Damaged, check.ExitCode);
        Assert.Contains("cannot be fully restored", check.Stdout);

        var restore = await Run("restore", "latest", "--target", _temp["restore"]);
        Assert.Equal(ExitCodes.Incomplete, restore.ExitCode);
        Assert.Contains("NOT restored", restore.Stderr);
    }

    [Fact]
    public async Task Keys_can_be_added_listed_and_removed_from_the_command_line()
    {
        await InitAndBackupAsync();
        _env["LIFEBOAT_NEW_PASSWORD"] = "second";
        var added = await Run("key", "add", "--json");
        Assert.Equal(0, added.ExitCode);
        var newKey = JsonDocument.Parse(added.Stdout).RootElement.GetProperty("key").GetString()!;

        _env["LIFEBOAT_PASSWORD"] = "second";
        var list = await Run("key", "list");
        Assert.Equal(2, list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(ExitCodes.Failure, (await Run("key", "remove", newKey[..10])).ExitCode);

        _env["LIFEBOAT_PASSWORD"] = "cli-test-password";
        Assert.Equal(0, (await Run("key", "remove", newKey[..10])).ExitCode);
        _env["LIFEBOAT_PASSWORD"] = "second";
        Assert.Equal(ExitCodes.WrongPassword, (await Run("snapshots")).ExitCode);
    }

    [Fact]
    public async Task The_demo_proves_a_restore_byte_for_byte()
    {
        var result = await Run("demo", "--dir", _temp["demo"], "--source", _source);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("identical", result.Stdout);
    }

    [Fact]
    public async Task The_demo_copies_a_source_with_links_to_directories_and_a_fifo_and_restores_it_identically()
    {
        // Links to a directory, relative and absolute: File.CreateSymbolicLink refuses them once the directory exists.
        File.CreateSymbolicLink(Path.Combine(_source, "to-sub"), "sub");
        File.CreateSymbolicLink(Path.Combine(_source, "to-sub-absolute"), Path.Combine(_source, "sub"));
        File.CreateSymbolicLink(Path.Combine(_source, "sub", "up"), "..");
        // A FIFO: a byte copy would block on it forever.
        Lifeboat.FileSystem.Posix.MakeNode(Path.Combine(_source, "pipe"), 0x1000 | 0x1A4, 0);
        var result = await Run("demo", "--dir", _temp["demo"], "--source", _source);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("identical", result.Stdout);
        var copy = Path.Combine(_temp["demo"], "quickstart", "site");
        Assert.Equal("sub", new FileInfo(Path.Combine(copy, "to-sub")).LinkTarget);
        Assert.Equal(Path.Combine(_source, "sub"), new FileInfo(Path.Combine(copy, "to-sub-absolute")).LinkTarget);
        Assert.True(Lifeboat.FileSystem.Posix.LStat(Path.Combine(copy, "pipe")).Mode is var mode && (mode & 0xF000) == 0x1000);
    }

    [Fact]
    public async Task Repair_index_rebuilds_a_deleted_index_and_check_is_clean_again()
    {
        await InitAndBackupAsync();
        foreach (var index in Directory.GetFiles(Path.Combine(_repo, "index")))
        {
            File.Delete(index);
        }
        Assert.Equal(ExitCodes.Damaged, (await Run("check")).ExitCode);
        Assert.Equal(0, (await Run("repair", "index")).ExitCode);
        Assert.Equal(0, (await Run("check", "--read-data")).ExitCode);
    }

    [Fact]
    public async Task Forget_dry_run_explains_each_decision_and_changes_nothing_then_forget_removes()
    {
        await InitAndBackupAsync();
        Assert.Equal(0, (await Run("backup", _source, "--tag", "keep-me")).ExitCode);
        Assert.Equal(0, (await Run("backup", _source)).ExitCode);

        var dry = await Run("forget", "--keep-last", "1", "--keep-tag", "keep-me", "--dry-run", "--json");
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        using var plan = JsonDocument.Parse(dry.Stdout);
        var decisions = plan.RootElement.GetProperty("decisions").EnumerateArray().ToList();
        Assert.Equal(3, decisions.Count);
        Assert.Single(decisions, d => !d.GetProperty("keep").GetBoolean());
        Assert.Contains(decisions, d => d.GetProperty("reasons").EnumerateArray().Any(r => r.GetString() == "tag keep-me"));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_repo, "snapshots")).Length);

        Assert.Equal(0, (await Run("forget", "--keep-last", "1", "--keep-tag", "keep-me")).ExitCode);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_repo, "snapshots")).Length);
        Assert.Equal(ExitCodes.Usage, (await Run("forget")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await Run("forget", "--keep-within", "soon")).ExitCode);
        Assert.Equal(0, (await Run("prune")).ExitCode);
        Assert.Equal(0, (await Run("check", "--read-data")).ExitCode);
    }
}
