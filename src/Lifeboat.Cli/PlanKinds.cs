using Lifeboat.Plan;
using Lifeboat.Sources.Postgres;
using Lifeboat.Sources.Postgres.Logical;
using Lifeboat.Sources.Redis;
using Lifeboat.Sources.Sqlite;
using Lifeboat.Storage.S3;
using Lifeboat.Storage.S3.Buckets;

namespace Lifeboat.Cli;

/// <summary>
/// The component kinds the CLI and the daemon run: the plan's own (files, command) plus every source this build
/// ships. Composed here, where every source assembly is referenced, so the plan library needs none of them.
/// </summary>
public static class PlanKinds
{
    /// <summary>Every kind of this build, keyed as the plan names them.</summary>
    public static ComponentKinds Create() => ComponentKinds.CreateDefault()
        .OnForget(ExpireWalAsync)
        .OnCopy(async (source, offsite, ct) => await new Lifeboat.Sources.Postgres.Wal.WalCopier(source, offsite).CopyAsync(null, ct))
        .AddSource("sqlite", s => new SqliteSource(s.Path("file")))
        .AddSource("redis", s =>
        {
            var endpoint = RedisEndpoint.Parse(s.Text("url"));
            return new RedisSource(s.OptionalSecretValue("password") is { } password ? endpoint with { Password = password } : endpoint);
        })
        .AddSource("postgres", s =>
        {
            var mode = s.OptionalText("mode") ?? "logical";
            if (mode == "physical")
            {
                var server = PostgresConnection.Parse(s.Text("url"), passwordFile: null);
                server = s.OptionalSecretValue("password") is { } secret ? server.WithPassword(secret) : server;
                var methodText = s.OptionalText("method") ?? "auto";
                var method = Commands.Sources.PostgresPhysicalBackupCommand.ParseMethod(methodText);
                if (method is null)
                {
                    s.Invalid("method", $"'{methodText}' is not a base backup method", "use 'auto' (the default), 'local' (read the data directory on this machine) or 'stream' (pg_basebackup)");
                }
                return new Lifeboat.Sources.Postgres.Physical.PostgresBaseBackupSource(server, TimeProvider.System, method ?? default);
            }
            if (mode != "logical")
            {
                s.Invalid("mode", $"'{mode}' is not a PostgreSQL backup mode", "use 'logical' (pg_dump, the default) or 'physical' (base backup for point-in-time recovery)");
            }
            var connection = PostgresConnection.Parse(s.Text("url"), passwordFile: null);
            return new PostgresDumpSource(new PostgresDumpOptions
            {
                Connection = s.OptionalSecretValue("password") is { } password ? connection.WithPassword(password) : connection,
            });
        })
        .AddSource("bucket", s => new BucketSource(S3Location.Parse(s.Text("url"))));

    // A plan's retention removes physical base backups like 'lifeboat forget' does, so it expires their WAL the same way.
    private static async Task ExpireWalAsync(Repository.Repository repository, IReadOnlyList<Snapshots.Snapshot> removed, CancellationToken cancellationToken)
    {
        var (_, refused) = await Lifeboat.Sources.Postgres.Wal.WalExpiryAfterForget.RunAsync(repository, removed, cancellationToken);
        if (refused.Count > 0)
        {
            throw new InvalidOperationException($"snapshots removed, but the WAL was not expired: {string.Join("; ", refused)}");
        }
    }
}
