using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Narwhal.Core.Configuration;

public sealed record DatabaseSettings
{
    public required string ConnectionString { get; init; }

    public static DatabaseSettings From(IConfiguration config)
    {
        var builder = new NpgsqlConnectionStringBuilder(
            config.GetString("NARWHAL_POSTGRES", "Host=127.0.0.1;Port=5432;Username=postgres;Database=narwhal"))
        {
            // Several Runners and Api replicas share Postgres' default 100 connections:
            // each process caps its own pool (default 20) instead of Npgsql's 100.
            MaxPoolSize = config.GetInt("NARWHAL_POSTGRES_MAX_POOL", 20, min: 2, max: 500),
        };
        if (builder.MinPoolSize > builder.MaxPoolSize) builder.MinPoolSize = 0;
        return new DatabaseSettings { ConnectionString = builder.ConnectionString };
    }
}
