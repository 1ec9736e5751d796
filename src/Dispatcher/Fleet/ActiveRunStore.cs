using Dapper;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Dispatcher.Fleet;

/// <summary>Counts of active runs (one grouped query on the <c>runs_active</c> partial index).</summary>
public sealed class ActiveRunStore(NpgsqlDataSource db)
{
    private static readonly string[] Active = Enum.GetValues<RunStatus>().Where(s => s.IsActive()).Select(s => s.Name()).ToArray();

    private sealed class Row
    {
        public string Status { get; set; } = "";
        public string ResourceClass { get; set; } = "";
        public string? RunnerId { get; set; }
        public int Count { get; set; }
    }

    public async Task<ActiveRuns> CountAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition("""
            SELECT status, resource_class, runner_id, count(*)::int AS count FROM runs
            WHERE status = ANY (@active) AND NOT pipeline
            GROUP BY status, resource_class, runner_id
            """, new { active = Active }, cancellationToken: ct))).ToList();

        var byStatus = Enum.GetValues<RunStatus>().Where(s => s.IsActive()).ToDictionary(s => s, _ => 0);
        var byClass = new Dictionary<string, int>(StringComparer.Ordinal);
        var byRunner = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var status = RunStatusNames.Parse(row.Status);
            byStatus[status] += row.Count;
            if (status != RunStatus.Running) continue;
            byClass[row.ResourceClass] = byClass.GetValueOrDefault(row.ResourceClass) + row.Count;
            if (row.RunnerId is { } runner) byRunner[runner] = byRunner.GetValueOrDefault(runner) + row.Count;
        }
        return new ActiveRuns(byStatus, byClass, byRunner);
    }
}
