using System.Diagnostics;
using System.Security.Cryptography;
using Lifeboat.Sources.Postgres.Wal;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Postgres.Wal;

/// <summary>
/// Archiving ahead in a background process: its claim, the lock that keeps a second one from starting, and a push
/// waiting for the marker of a segment that process took on. The "background process" here is a real process whose
/// command line says <c>wal ahead</c>, so the liveness check runs against /proc as it does in production.
/// </summary>
public sealed class WalAheadTests : IDisposable
{
    private const ulong Cluster = 7301234567890123456;
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _folder = new();
    private readonly string _wal;
    private readonly WalSpool _spool;

    public WalAheadTests()
    {
        _wal = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;
        _spool = new WalSpool(Path.Combine(_folder.Path, "spool"), "/repository", "postgres");
    }

    public void Dispose() => _folder.Dispose();

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void A_claim_round_trips_and_anything_else_is_no_claim()
    {
        var claim = new WalAheadClaim(1234, ["000000010000000000000007", "000000010000000000000008"]);
        var parsed = WalAheadClaim.Parse(claim.Format());
        Assert.NotNull(parsed);
        Assert.Equal(1234, parsed.ProcessId);
        Assert.Equal(claim.Files, parsed.Files);
        Assert.Null(WalAheadClaim.Parse(""));
        Assert.Null(WalAheadClaim.Parse("lifeboat-wal-ahead 1\n-5\nX\n"));
        Assert.Null(WalAheadClaim.Parse("lifeboat-wal-ahead 1\n1234\nX"));
        Assert.Null(WalAheadClaim.Parse("lifeboat-wal-spool 2\n1234\nX\n"));
    }

    [Fact]
    public async Task Only_a_live_process_whose_command_line_says_wal_ahead_holds_a_claim()
    {
        using var ahead = FakeAheadProcess.Start();
        using var other = FakeAheadProcess.Start(looksLikeLifeboat: false);
        try
        {
            Assert.True(new WalAheadClaim(ahead.Id, []).IsRunning());
            Assert.False(new WalAheadClaim(other.Id, []).IsRunning());
            Assert.False(new WalAheadClaim(Environment.ProcessId, []).IsRunning());
        }
        finally
        {
            ahead.Kill();
            other.Kill();
        }
        await ahead.WaitForExitAsync();
        Assert.False(new WalAheadClaim(ahead.Id, []).IsRunning());
    }

    [Fact]
    public void The_ahead_lock_admits_one_holder_at_a_time()
    {
        using (var first = _spool.TryLockAhead())
        {
            Assert.NotNull(first);
            Assert.Null(_spool.TryLockAhead());
        }
        using var again = _spool.TryLockAhead();
        Assert.NotNull(again);
    }

    [Fact]
    public async Task A_push_of_a_claimed_segment_waits_for_the_marker_the_running_process_writes()
    {
        var segment = FakeSegments.Write(_wal, Cluster, 7);
        using var ahead = FakeAheadProcess.Start();
        _spool.Claim(new WalAheadClaim(ahead.Id, [Path.GetFileName(segment)]));
        var marked = Task.Run(async () =>
        {
            await Task.Delay(400);
            await _spool.RecordAsync(segment, Sha256(segment), null, CancellationToken.None);
        });
        try
        {
            // Without the wait there is no marker yet, and the push would archive the segment itself.
            _spool.WaitForAhead(segment, Long);
            Assert.True(_spool.TryConsume(segment));
        }
        finally
        {
            ahead.Kill();
            await marked;
        }
    }

    [Fact]
    public async Task A_push_stops_waiting_when_the_claiming_process_ends_without_a_marker()
    {
        var segment = FakeSegments.Write(_wal, Cluster, 7);
        using var ahead = FakeAheadProcess.Start("0.5");
        _spool.Claim(new WalAheadClaim(ahead.Id, [Path.GetFileName(segment)]));
        var clock = Stopwatch.StartNew();

        _spool.WaitForAhead(segment, Long);

        await ahead.WaitForExitAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"waited {clock.Elapsed} for a process that lived 0.5 s");
        Assert.False(_spool.TryConsume(segment));
    }

    [Fact]
    public void A_push_of_a_segment_nobody_claimed_does_not_wait()
    {
        var segment = FakeSegments.Write(_wal, Cluster, 7);
        var other = FakeSegments.Write(_wal, Cluster, 8);
        using var ahead = FakeAheadProcess.Start();
        try
        {
            _spool.Claim(new WalAheadClaim(ahead.Id, [Path.GetFileName(other)]));
            var clock = Stopwatch.StartNew();
            _spool.WaitForAhead(segment, Long);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"waited {clock.Elapsed} for a segment nobody claimed");
            Assert.False(_spool.TryConsume(segment));
        }
        finally
        {
            ahead.Kill();
        }
    }
}
