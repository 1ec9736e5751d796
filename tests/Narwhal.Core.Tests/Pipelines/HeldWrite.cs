using Npgsql;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>An uncommitted write holding a row's lock until the spec commits it (rolled back when disposed otherwise).</summary>
public sealed class HeldWrite(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public Task CommitAsync() => transaction.CommitAsync();

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
