using System.Diagnostics;
using Dapper;
using Npgsql;

namespace Narwhal.Runner.Fleet;

/// <summary>
/// Reads this Runner's drain request from <c>runners</c> (set by POST /runners/{id}/drain). No row
/// yet (the Dispatcher has not recorded a first heartbeat) means no request. A request made before
/// this process started is not for it: a drained Runner started again (by its supervisor, or by an
/// operator) serves rather than draining at once. Both times are the database's clock.
/// The same round trip measures how far this host's clock is from the database's
/// (<see cref="ClockOffset"/>), so heartbeats carry a send time the Dispatcher can compare with its own.
/// </summary>
public sealed class DrainRequestStore(NpgsqlDataSource db, RunnerSettings settings, TimeProvider time)
{
    private readonly Stopwatch _alive = Stopwatch.StartNew();
    private DateTime? _startedAt;
    private long _offsetTicks;

    /// <summary>The database's clock minus this host's, as last measured (zero before the first measurement).</summary>
    public TimeSpan ClockOffset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public sealed record DrainRequest(DateTime RequestedAt, string RequestedBy);

    public async Task<DrainRequest?> PendingAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var before = time.GetUtcNow();
        var row = await connection.QuerySingleAsync<(DateTime? RequestedAt, string? RequestedBy, DateTime Now)>(new CommandDefinition("""
            SELECT r.drain_requested_at, r.drain_requested_by, now()
            FROM (SELECT 1) AS one LEFT JOIN runners r ON r.id = @id
            """, new { id = settings.RunnerId }, cancellationToken: ct));
        var after = time.GetUtcNow();
        // The server read its clock somewhere in the round trip: the middle is the best guess.
        var local = before + (after - before) / 2;
        Interlocked.Exchange(ref _offsetTicks, (DateTime.SpecifyKind(row.Now, DateTimeKind.Utc) - local.UtcDateTime).Ticks);
        _startedAt ??= row.Now - _alive.Elapsed;
        return row.RequestedAt is { } at && at >= _startedAt ? new DrainRequest(at, row.RequestedBy ?? "unknown") : null;
    }
}
