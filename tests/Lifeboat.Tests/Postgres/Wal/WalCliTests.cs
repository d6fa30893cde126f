using System.Text.Json;
using Lifeboat.Crypto;
using Lifeboat.Cli;
using Lifeboat.Snapshots;
using Lifeboat.Sources.Postgres.Physical;
using Lifeboat.Sources.Postgres.Wal;
using Lifeboat.Storage;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Wal;

public sealed class WalCliTests : IDisposable
{
    // WAL expiry reads only the source metadata; the root tree only needs to be a well-formed chunk ID.
    private static readonly string FakeTree = Digest.Sha256("not a real tree"u8).ToString();

    private const ulong Cluster = 7301234567890123456;
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private Dictionary<string, string?> Environment(string? keyFile = null) => new()
    {
        ["LIFEBOAT_REPOSITORY"] = Path.Combine(_folder.Path, "repo"),
        ["LIFEBOAT_PASSWORD_FILE"] = Path.Combine(_folder.Path, "password"),
        ["LIFEBOAT_KEY_FILE"] = keyFile,
    };

    private async Task<string> InitAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "password"), "wal-cli-password\n");
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(), "init")).ExitCode);
        var key = Path.Combine(_folder.Path, "key");
        var added = await CliRunner.RunAsync(Environment(), "key", "add", "--random-key-file", key);
        Assert.Equal(0, added.ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        return key;
    }

    [Fact]
    public async Task Push_is_idempotent_refuses_a_changed_file_and_fetch_restores_it_exactly()
    {
        var key = await InitAsync();
        var segments = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;
        var segment = FakeSegments.Write(segments, Cluster, 7);
        var original = await File.ReadAllBytesAsync(segment);

        Assert.Equal(0, (await CliRunner.RunAsync(Environment(key), "wal", "push", segment)).ExitCode);
        var again = await CliRunner.RunAsync(Environment(key), "wal", "push", segment);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already archived with the same content", again.Stdout);

        var changed = (byte[])original.Clone();
        changed[FakeSegments.Size / 2] ^= 0x40;
        await File.WriteAllBytesAsync(segment, changed);
        var conflict = await CliRunner.RunAsync(Environment(key), "wal", "push", segment);
        Assert.Equal(1, conflict.ExitCode);
        Assert.Contains("already archived with different content", conflict.Stderr);

        var target = Path.Combine(_folder.Path, "RECOVERYXLOG");
        var fetched = await CliRunner.RunAsync(Environment(key), "wal", "fetch", Path.GetFileName(segment), target);
        Assert.Equal(0, fetched.ExitCode);
        Assert.Equal(original, await File.ReadAllBytesAsync(target));
    }

    [Fact]
    public async Task Push_refuses_another_clusters_segment_and_fetch_of_a_missing_file_exits_1_leaving_nothing()
    {
        var key = await InitAsync();
        var segments = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(key), "wal", "push", FakeSegments.Write(segments, Cluster, 7))).ExitCode);
        var foreign = Directory.CreateDirectory(Path.Combine(_folder.Path, "other")).FullName;

        var refused = await CliRunner.RunAsync(Environment(key), "wal", "push", FakeSegments.Write(foreign, 42, 8));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not 42", refused.Stderr);

        var target = Path.Combine(_folder.Path, "RECOVERYXLOG");
        var missing = await CliRunner.RunAsync(Environment(key), "wal", "fetch", "000000010000000000000008", target);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("not archived", missing.Stderr);
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(_folder.Path, ".RECOVERYXLOG*"));
    }

    [Fact]
    public async Task Fetch_of_a_damaged_object_or_with_a_wrong_key_exits_126_so_postgresql_stops_instead_of_ending_recovery()
    {
        var key = await InitAsync();
        var segments = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;
        var segment = FakeSegments.Write(segments, Cluster, 7);
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(key), "wal", "push", segment)).ExitCode);
        var wrong = Path.Combine(_folder.Path, "wrong-key");
        await File.WriteAllTextAsync(wrong, Convert.ToBase64String(new byte[32]) + "\n");
        var target = Path.Combine(_folder.Path, "RECOVERYXLOG");

        var wrongKey = await CliRunner.RunAsync(Environment(wrong), "wal", "fetch", Path.GetFileName(segment), target);
        var stored = Path.Combine(_folder.Path, "repo", "wal", $"{Cluster}-{Path.GetFileName(segment)}");
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[^100] ^= 1;
        File.SetUnixFileMode(stored, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(stored, bytes);
        var damaged = await CliRunner.RunAsync(Environment(key), "wal", "fetch", Path.GetFileName(segment), target);

        Assert.Equal((ExitCodes.FetchFailed, ExitCodes.FetchFailed), (wrongKey.ExitCode, damaged.ExitCode));
        Assert.Contains("wrong password", wrongKey.Stderr);
        Assert.Contains("could not be fetched", damaged.Stderr);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task A_wrong_key_file_is_a_wrong_password_and_stores_nothing()
    {
        await InitAsync();
        var wrong = Path.Combine(_folder.Path, "wrong-key");
        await File.WriteAllTextAsync(wrong, Convert.ToBase64String(new byte[32]) + "\n");
        var segments = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;

        var result = await CliRunner.RunAsync(Environment(wrong), "wal", "push", FakeSegments.Write(segments, Cluster, 7));

        Assert.Equal(12, result.ExitCode);
        Assert.Contains("wrong password", result.Stderr);
        Assert.Empty(Directory.GetFiles(Path.Combine(_folder.Path, "repo", "wal")));
    }

    private async Task<string> InitWithSegmentsAsync(bool appendOnly)
    {
        var key = await InitAsync();
        if (appendOnly)
        {
            key = Path.Combine(_folder.Path, "append-only-key");
            Assert.Equal(0, (await CliRunner.RunAsync(Environment(), "key", "add", "--random-key-file", key, "--append-only")).ExitCode);
        }
        var segments = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;
        foreach (var number in new ulong[] { 3, 4 })
        {
            Assert.Equal(0, (await CliRunner.RunAsync(Environment(key), "wal", "push", FakeSegments.Write(segments, Cluster, number))).ExitCode);
        }
        return key;
    }

    private string[] WalObjects() => Directory.GetFiles(Path.Combine(_folder.Path, "repo", "wal")).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task An_append_only_key_cannot_expire_wal_and_nothing_changes()
    {
        var key = await InitWithSegmentsAsync(appendOnly: true);
        var before = WalObjects();

        var refused = await CliRunner.RunAsync(Environment(key), "wal", "expire", "--keep-within", "0d", "--force");

        Assert.Equal(ExitCodes.Failure, refused.ExitCode);
        Assert.Contains("append-only", refused.Stderr);
        Assert.Equal(before, WalObjects());
    }

    [Fact]
    public async Task Without_a_base_backup_expire_says_why_it_keeps_everything_and_a_bad_span_is_a_usage_error()
    {
        var key = await InitWithSegmentsAsync(appendOnly: false);
        var before = WalObjects();

        var json = await CliRunner.RunAsync(Environment(key), "wal", "expire", "--keep-within", "7d", "--json");
        Assert.Equal(0, json.ExitCode);
        var report = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.Equal(0, report.GetProperty("expired").GetArrayLength());
        Assert.Contains("no physical base backup", report.GetProperty("note").GetString());

        var bad = await CliRunner.RunAsync(Environment(key), "wal", "expire", "--keep-within", "a week");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        var unknown = await CliRunner.RunAsync(Environment(key), "wal", "expire", "--component", "nothing-here");
        Assert.Equal(ExitCodes.Failure, unknown.ExitCode);
        Assert.Contains("nothing was archived for component 'nothing-here'", unknown.Stderr);
        Assert.Equal(before, WalObjects());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Forget_of_a_base_backup_expires_the_wal_only_it_needed_or_exits_3_leaving_the_wal_when_the_chain_has_a_gap(bool gap)
    {
        var key = await InitAsync();
        var segments = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;
        foreach (var number in gap ? new ulong[] { 3, 4, 6 } : [3, 4, 5, 6])
        {
            Assert.Equal(0, (await CliRunner.RunAsync(Environment(key), "wal", "push", FakeSegments.Write(segments, Cluster, number))).ExitCode);
        }
        var repository = await global::Lifeboat.Repository.Repository.OpenAsync(new LocalBlobStore(Path.Combine(_folder.Path, "repo")), "wal-cli-password", CancellationToken.None);
        foreach (var (start, stop, age) in new (ulong, ulong, int)[] { (3, 3, 2), (4, 6, 1) })
        {
            var source = new BaseBackupInfo(Cluster, 1, new Lsn(start * (ulong)FakeSegments.Size + 40), new Lsn(stop * (ulong)FakeSegments.Size + 256), 1,
                FakeSegments.Size, 150000, DateTimeOffset.UtcNow).ToMetadata();
            source["kind"] = "postgres";
            await repository.SaveSnapshotAsync(new Snapshot { Time = DateTimeOffset.UtcNow.AddHours(-age), Component = "postgres", Source = source, Tree = FakeTree }, CancellationToken.None);
        }
        var before = Directory.GetFiles(Path.Combine(_folder.Path, "repo", "wal")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        var forget = await CliRunner.RunAsync(Environment(key), "forget", "--keep-last", "1", "--component", "postgres");

        Assert.Single(Directory.GetFiles(Path.Combine(_folder.Path, "repo", "snapshots")));
        var after = Directory.GetFiles(Path.Combine(_folder.Path, "repo", "wal")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (gap)
        {
            Assert.Equal(ExitCodes.Incomplete, forget.ExitCode);
            Assert.Contains("snapshots removed, but not expiring the WAL of component 'postgres'", forget.Stderr);
            Assert.Contains("is not restorable", forget.Stderr);
            Assert.Equal(before, after);
        }
        else
        {
            Assert.Equal(0, forget.ExitCode);
            Assert.Contains("WAL of component 'postgres': deleted 1 files", forget.Stdout);
            Assert.Equal(before.Where(f => f != $"{Cluster}-{WalFileName.SegmentName(1, 3, FakeSegments.Size)}"), after);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Forget_by_id_expires_the_wal_only_the_removed_base_backup_needed_as_a_policy_does_even_when_the_snapshot_is_damaged(bool damaged)
    {
        var key = await InitAsync();
        var segments = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;
        foreach (var number in new ulong[] { 3, 4, 5, 6 })
        {
            Assert.Equal(0, (await CliRunner.RunAsync(Environment(key), "wal", "push", FakeSegments.Write(segments, Cluster, number))).ExitCode);
        }
        // Two base backups of the cluster: segments 3..3 two hours ago, 4..6 an hour ago.
        var repository = await global::Lifeboat.Repository.Repository.OpenAsync(new LocalBlobStore(Path.Combine(_folder.Path, "repo")), "wal-cli-password", CancellationToken.None);
        var ids = new List<string>();
        foreach (var (start, stop, age) in new (ulong, ulong, int)[] { (3, 3, 2), (4, 6, 1) })
        {
            var source = new BaseBackupInfo(Cluster, 1, new Lsn(start * (ulong)FakeSegments.Size + 40), new Lsn(stop * (ulong)FakeSegments.Size + 256), 1,
                FakeSegments.Size, 150000, DateTimeOffset.UtcNow).ToMetadata();
            source["kind"] = "postgres";
            ids.Add((await repository.SaveSnapshotAsync(new Snapshot { Time = DateTimeOffset.UtcNow.AddHours(-age), Component = "postgres", Source = source, Tree = FakeTree }, CancellationToken.None)).ToString());
        }
        var oldest = Path.Combine(_folder.Path, "repo", "snapshots", ids[0]);
        if (damaged)
        {
            // Its time, component and source are unreadable now: forget cannot tell which cluster it was a base backup of.
            File.SetUnixFileMode(oldest, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await File.WriteAllBytesAsync(oldest, new byte[200]);
            // A policy refuses while a snapshot is damaged; removing it by ID is the way out.
            Assert.Equal(ExitCodes.Damaged, (await CliRunner.RunAsync(Environment(key), "forget", "--keep-last", "1")).ExitCode);
        }
        var before = Directory.GetFiles(Path.Combine(_folder.Path, "repo", "wal")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        var forget = await CliRunner.RunAsync(Environment(key), "forget", ids[0][..12]);

        Assert.True(forget.ExitCode == 0, forget.Stdout + forget.Stderr);
        Assert.False(File.Exists(oldest));
        Assert.Contains("WAL of component 'postgres': deleted 1 files", forget.Stdout);
        var after = Directory.GetFiles(Path.Combine(_folder.Path, "repo", "wal")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(before.Where(f => f != $"{Cluster}-{WalFileName.SegmentName(1, 3, FakeSegments.Size)}"), after);
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(key), "wal", "check")).ExitCode);
    }
}
