using Lifeboat.Backup;
using Lifeboat.Sources.Postgres;
using Lifeboat.Sources.Postgres.Physical;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class ArchiveWaitTests
{
    [Fact]
    public async Task A_local_backup_whose_wal_never_reaches_the_repository_fails_naming_the_segment_and_records_nothing()
    {
        // The server archives "successfully" somewhere else: its archive_command does nothing.
        await using var server = await PostgresServer.StartAsync("archive_mode = on", "archive_command = '/bin/true'");
        var store = new MemoryBlobStore();
        var repository = await TestRepository.InitAsync(store);
        var connection = PostgresConnection.Parse(server.Url(), passwordFile: null).WithPassword(PostgresServer.Password);
        var source = new PostgresBaseBackupSource(connection, TimeProvider.System, BaseBackupMethod.Local, TimeSpan.FromSeconds(2));

        var failure = await Assert.ThrowsAsync<TimeoutException>(() => new SourceArchiver(repository, TimeProvider.System)
            .RunAsync(source, new SourceBackupOptions { Component = "postgres" }, new BackupProgress(), CancellationToken.None));

        Assert.Matches("last WAL segment [0-9A-F]{24} did not reach this repository", failure.Message);
        Assert.Contains("nothing was recorded", failure.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListAsync(BlobKind.Snapshot, CancellationToken.None).ToListAsync());
    }
}
