using Dapper;
using Narwhal.Core.Configuration;
using Npgsql;

namespace Narwhal.Core.Persistence;

public static class NarwhalDataSource
{
    static NarwhalDataSource()
    {
        // Columns are snake_case, records PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public static NpgsqlDataSource Create(DatabaseSettings settings) =>
        new NpgsqlDataSourceBuilder(settings.ConnectionString).Build();
}
