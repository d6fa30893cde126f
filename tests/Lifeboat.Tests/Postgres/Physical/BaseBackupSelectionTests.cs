using System.Text;
using Lifeboat.Crypto;
using Lifeboat.Snapshots;
using Lifeboat.Sources.Postgres.Physical;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class BaseBackupSelectionTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static (Digest, Snapshot) Backup(string name, int stopHour, ulong stopSegment, string component = "postgres")
    {
        var info = new BaseBackupInfo(42, 1, new Lsn(stopSegment * 16 * 1024 * 1024 - 4096), new Lsn(stopSegment * 16 * 1024 * 1024 + 100), 1,
            16 * 1024 * 1024, 150018, Noon.AddHours(stopHour - 12));
        var source = info.ToMetadata();
        source["kind"] = "postgres";
        return (Digest.Sha256(Encoding.UTF8.GetBytes(name)), new Snapshot { Component = component, Time = info.StopTime.AddMinutes(-5), Source = source });
    }

    private static readonly List<(Digest, Snapshot)> Snapshots =
    [
        Backup("monday", 9, 3), Backup("tuesday", 13, 9), Backup("wednesday", 17, 20),
        Backup("other", 16, 30, component: "billing-db"),
        (Digest.Sha256("files"u8), new Snapshot { Component = "files", Source = new Dictionary<string, string> { ["kind"] = "files" } }),
    ];

    [Fact]
    public void Latest_with_a_time_target_picks_the_newest_backup_that_finished_before_it()
    {
        var (id, _, info) = BaseBackupSelection.Choose(Snapshots, "latest", RecoveryTarget.AtTime("2026-11-21T15:30:00Z"), "postgres", null);

        Assert.Equal(Digest.Sha256("tuesday"u8), id);
        Assert.Equal(Noon.AddHours(1), info.StopTime);
    }

    [Fact]
    public void Latest_with_an_lsn_target_picks_by_stop_lsn_and_latest_alone_the_newest()
    {
        Assert.Equal(Digest.Sha256("monday"u8), BaseBackupSelection.Choose(Snapshots, "latest", RecoveryTarget.AtLsn("0/8000000"), "postgres", null).Id);
        Assert.Equal(Digest.Sha256("wednesday"u8), BaseBackupSelection.Choose(Snapshots, "latest", RecoveryTarget.Latest, "postgres", null).Id);
    }

    [Fact]
    public void A_target_before_every_backup_or_a_named_backup_that_finished_after_it_is_refused()
    {
        var early = Assert.Throws<ArgumentException>(() => BaseBackupSelection.Choose(Snapshots, "latest", RecoveryTarget.AtTime("2026-11-21 08:00:00"), "postgres", null));
        Assert.Contains("every base backup finished after the target", early.Message);
        var named = Assert.Throws<ArgumentException>(() => BaseBackupSelection.Choose(Snapshots, Digest.Sha256("wednesday"u8).ToString()[..10],
            RecoveryTarget.AtTime("2026-11-21 14:00:00+00"), null, null));
        Assert.Contains("choose an older one", named.Message);
    }
}
