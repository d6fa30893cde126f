using Npgsql;

namespace Lifeboat.Tests.Postgres;

public sealed class PostgresServerTests
{
    [Fact]
    public async Task A_test_cluster_starts_on_loopback_and_accepts_the_superuser_over_tcp()
    {
        await using var server = await PostgresServer.StartAsync();
        await using var connection = new NpgsqlConnection(server.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select current_setting('server_version_num')::int / 10000, inet_server_addr()::text", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(15, reader.GetInt32(0));
        Assert.Equal("127.0.0.1/32", reader.GetString(1));
        Assert.Equal("1", await server.PsqlAsync("select 1"));
    }
}
