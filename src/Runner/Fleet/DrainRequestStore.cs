using System.Diagnostics;
using Dapper;
using Npgsql;

namespace Narwhal.Runner.Fleet;

/// <summary>
/// Reads this Runner's drain request from <c>runners</c> (set by POST /runners/{id}/drain). No row
/// yet (the Dispatcher has not recorded a first heartbeat) means no request. A request made before
/// this process started is not for it: a drained Runner started again (by its supervisor, or by an
/// operator) serves rather than draining at once. Both times are the database's clock.
/// </summary>
public sealed class DrainRequestStore(NpgsqlDataSource db, RunnerSettings settings)
{
    private readonly Stopwatch _alive = Stopwatch.StartNew();
    private DateTime? _startedAt;

    public sealed record DrainRequest(DateTime RequestedAt, string RequestedBy);

    public async Task<DrainRequest?> PendingAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleAsync<(DateTime? RequestedAt, string? RequestedBy, DateTime Now)>(new CommandDefinition("""
            SELECT r.drain_requested_at, r.drain_requested_by, now()
            FROM (SELECT 1) AS one LEFT JOIN runners r ON r.id = @id
            """, new { id = settings.RunnerId }, cancellationToken: ct));
        _startedAt ??= row.Now - _alive.Elapsed;
        return row.RequestedAt is { } at && at >= _startedAt ? new DrainRequest(at, row.RequestedBy ?? "unknown") : null;
    }
}
