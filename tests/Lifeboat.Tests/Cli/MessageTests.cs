using System.Text.Json;
using Lifeboat.Cli;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>
/// What the command line tells a user who follows it: usage errors for mistyped options, errors that name what was
/// missing or not found, advice that works when it is followed.
/// </summary>
public sealed class MessageTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _source;
    private readonly Dictionary<string, string?> _env;

    public MessageTests()
    {
        _source = _temp["source"];
        _env = new() { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = "message-test-password" };
        TestData.Write(Path.Combine(_source, "a.txt"), TestData.Text(20_000, 1));
        TestData.Write(Path.Combine(_source, "sub/b.bin"), TestData.Random(100_000, 2));
    }

    public void Dispose() => _temp.Dispose();

    private Task<CliRunner.Result> Run(params string[] args) => CliRunner.RunAsync(_env, args);

    private static void Succeeded(CliRunner.Result result) => Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");

    private int Snapshots() => Directory.GetFiles(_temp["repo/snapshots"]).Length;

    private async Task InitAndBackupAsync()
    {
        Succeeded(await Run("init"));
        Succeeded(await Run("backup", _source));
    }

    [Fact]
    public async Task A_misspelt_option_of_a_command_that_takes_a_list_is_a_usage_error_and_backs_up_nothing()
    {
        await InitAndBackupAsync();
        var backup = await Run("backup", _source, "--exlude", "x");
        Assert.Equal(ExitCodes.Usage, backup.ExitCode);
        Assert.Contains("'--exlude'", backup.Stderr);
        Assert.Contains("lifeboat backup --help", backup.Stderr);
        Assert.DoesNotContain("does not exist", backup.Stderr);
        Assert.Equal(1, Snapshots());

        // An optional argument takes any word too: 'ls latest --long' must not list or look for a path "--long".
        var ls = await Run("ls", "latest", "--long");
        Assert.Equal(ExitCodes.Usage, ls.ExitCode);
        Assert.Contains("'--long'", ls.Stderr);
        Assert.Empty(ls.Stdout);

        // After '--' a word that starts with '-' is an argument: a program's own flags.
        Succeeded(await Run("backup", "command", "--", "echo", "-n", "hello"));
        Assert.Equal(2, Snapshots());
    }

    [Fact]
    public async Task A_missing_new_or_source_password_is_named_by_its_own_variables_and_changes_nothing()
    {
        await InitAndBackupAsync();
        var keysBefore = Directory.GetFiles(_temp["repo/keys"]).Length;
        var add = await Run("key", "add");
        Assert.Equal(ExitCodes.Usage, add.ExitCode);
        Assert.Contains("LIFEBOAT_NEW_PASSWORD", add.Stderr);
        Assert.Contains("--new-password-file", add.Stderr);
        Assert.DoesNotContain("set LIFEBOAT_PASSWORD ", add.Stderr);
        Assert.Equal(keysBefore, Directory.GetFiles(_temp["repo/keys"]).Length);

        var offsite = _temp.Path + "/offsite";
        var init = await Run("init", "--repo", offsite, "--copy-chunker-from", _temp["repo"]);
        Assert.Equal(ExitCodes.Usage, init.ExitCode);
        Assert.Contains("LIFEBOAT_FROM_PASSWORD", init.Stderr);
        Assert.Contains("--from-password-file", init.Stderr);
        Assert.DoesNotContain("set LIFEBOAT_PASSWORD ", init.Stderr);
        Assert.False(Directory.Exists(offsite));

        // Following the message works.
        _env["LIFEBOAT_FROM_PASSWORD"] = _env["LIFEBOAT_PASSWORD"];
        Succeeded(await Run("init", "--repo", offsite, "--copy-chunker-from", _temp["repo"]));
    }

    [Fact]
    public async Task Ls_and_restore_of_a_path_the_snapshot_lacks_are_errors_that_name_it()
    {
        await InitAndBackupAsync();
        var ls = await Run("ls", "latest", "/nonexistent");
        Assert.Equal(ExitCodes.Usage, ls.ExitCode);
        Assert.Contains("/nonexistent", ls.Stderr);
        Assert.Empty(ls.Stdout);

        // An ancestor of the missing path exists: it must not pass for the path.
        var target = _temp.Path + "/restored";
        var restore = await Run("restore", "latest", "--target", target, "--include", _source + "/a.txt", "--include", _source + "/missing.txt");
        Assert.Equal(ExitCodes.Usage, restore.ExitCode);
        Assert.Contains(_source + "/missing.txt", restore.Stderr);
        Assert.False(File.Exists(target + _source + "/a.txt"));

        var root = await Run("ls", "latest", "/");
        Succeeded(root);
        Assert.Contains(_source + "/sub/b.bin", root.Stdout);
    }

    [Fact]
    public async Task Snapshots_shows_whole_component_names_which_ls_and_restore_select_latest_by()
    {
        await InitAndBackupAsync();
        const string component = "orders-database-nightly-dump";
        Succeeded(await Run("backup", "command", "--component", component, "--", "echo", "orders"));
        Succeeded(await Run("backup", _source));

        var listing = await Run("snapshots");
        Succeeded(listing);
        Assert.Contains(component, listing.Stdout);

        // The name as listed selects the snapshot, though a newer one of another component exists.
        var ls = await Run("ls", "latest", "--component", component);
        Succeeded(ls);
        Assert.Contains("/output", ls.Stdout);
        Assert.DoesNotContain(_source, ls.Stdout);
        var target = _temp.Path + "/restored";
        Succeeded(await Run("restore", "latest", "--component", component, "--target", target));
        Assert.Equal("orders\n", File.ReadAllText(target + "/output"));
    }

    [Fact]
    public async Task The_command_a_failed_plan_backup_recommends_shows_the_failure()
    {
        var plan = _temp["plan/lifeboat.yaml"];
        TestData.Write(plan, System.Text.Encoding.UTF8.GetBytes($"""
            version: 1
            repositories:
              main:
                location: {_temp["plan-repo"]}
                password-env: MESSAGE_TEST_PASSWORD
            components:
              broken-dump:
                kind: command
                repository: main
                command: ["sh", "-c", "echo dump refused >&2; exit 3"]
            """));
        _env["MESSAGE_TEST_PASSWORD"] = "message-test";
        Succeeded(await Run("plan", "init", "--plan", plan));
        var backup = await Run("backup", "--plan", plan);
        Assert.Equal(ExitCodes.Failure, backup.ExitCode);
        var advice = System.Text.RegularExpressions.Regex.Match(backup.Stderr, "'lifeboat ([^']+)' shows").Groups[1].Value;
        Assert.StartsWith("status", advice);

        var status = await Run(advice.Split(' '));
        Assert.NotEqual(ExitCodes.Usage, status.ExitCode);
        Assert.Contains("dump refused", status.Stdout + status.Stderr);
    }

    [Fact]
    public async Task Help_calls_the_program_lifeboat_as_every_message_does()
    {
        var help = await Run("--help");
        Succeeded(help);
        Assert.Contains("lifeboat [command] [options]", help.Stdout);
        Assert.DoesNotContain("Lifeboat.Cli", help.Stdout);
        var backupHelp = await Run("backup", "--help");
        Succeeded(backupHelp);
        Assert.Contains("lifeboat backup", backupHelp.Stdout);
    }

    [Fact]
    public async Task Check_sums_up_packs_no_index_lists_in_one_line_whose_advice_clears_them()
    {
        await InitAndBackupAsync();
        // What interrupted backups leave: packs no index lists (check lists names and sizes; it reads only indexed packs).
        for (var i = 0; i < 3; i++)
        {
            var name = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));
            TestData.Write(_temp[$"repo/data/{name[..2]}/{name}"], TestData.Random(1000, i));
        }
        var check = await Run("check");
        Succeeded(check);
        var warning = Assert.Single(check.Stdout.Split('\n'), l => l.StartsWith("warning:", StringComparison.Ordinal));
        Assert.Contains("3 packs (3,000 bytes)", warning);
        var advice = System.Text.RegularExpressions.Regex.Match(warning, "'lifeboat ([^']+)' deletes them").Groups[1].Value;
        Assert.Equal("prune", advice);

        Succeeded(await Run(advice.Split(' ')));
        var after = await Run("check", "--read-data");
        Succeeded(after);
        Assert.DoesNotContain("warning:", after.Stdout);
        var restore = await Run("restore", "latest", "--target", _temp.Path + "/restored", "--json");
        Succeeded(restore);
        Assert.Empty(JsonDocument.Parse(restore.Stdout).RootElement.GetProperty("errors").EnumerateArray());
    }
}
