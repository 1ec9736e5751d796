using Dapper;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Api.Ui;

/// <summary>
/// The few reads the web UI needs that the REST stores do not offer, each one query: the job list with every job's
/// newest run, the queue depths of the dashboard, and the step a step's runs row executes. Runs and jobs themselves are read through <see cref="Runs.RunStore"/>
/// and <see cref="Jobs.JobStore"/>.
/// </summary>
public sealed class UiQueries(NpgsqlDataSource db)
{
    private sealed class JobPart
    {
        public string Name { get; set; } = "";
        public string Type { get; set; } = "";
        public string ResourceClass { get; set; } = "";
        public string? Description { get; set; }
    }

    /// <summary>
    /// Live jobs by name, after <paramref name="afterName"/> (keyset), whose name contains <paramref name="nameContains"/>
    /// (any case), each with its newest run: one LATERAL query on <c>runs_job_newest</c>, not one query per job.
    /// </summary>
    public async Task<IReadOnlyList<JobOverview>> JobsAsync(string? nameContains, string? afterName, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<JobPart, RunRow?, JobOverview>(new CommandDefinition($"""
            SELECT j.name, j.type, j.resource_class, j.spec->>'description' AS description, r.*
            FROM jobs j
            LEFT JOIN LATERAL (
                SELECT {RunRow.Columns} FROM runs WHERE runs.job_id = j.id AND runs.parent_run_id IS NULL ORDER BY created_at DESC, id DESC LIMIT 1
            ) r ON true
            WHERE j.deleted_at IS NULL
              AND (@nameContains::text IS NULL OR strpos(lower(j.name), lower(@nameContains)) > 0)
              AND (@afterName::text IS NULL OR j.name > @afterName)
            ORDER BY j.name
            LIMIT @limit
            """, new { nameContains, afterName, limit }, cancellationToken: ct),
            (job, run) => new JobOverview(job.Name, job.Type == "git" ? JobType.Git : JobType.Freestyle, job.ResourceClass,
                job.Description, run?.ToRun()),
            splitOn: "id");
        return rows.ToList();
    }

    /// <summary>Queued (waiting, held) and running runs per resource class, from the <c>runs_active</c> index.</summary>
    public async Task<IReadOnlyList<QueueDepth>> QueueDepthsAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string ResourceClass, int Waiting, int Held, int Running)>(new CommandDefinition("""
            SELECT resource_class,
                   count(*) FILTER (WHERE status = @queued AND NOT held)::int,
                   count(*) FILTER (WHERE status = @queued AND held)::int,
                   count(*) FILTER (WHERE status = @running)::int
            FROM runs WHERE status IN (@queued, @running) AND NOT pipeline -- a pipeline occupies no Runner, its steps do
            GROUP BY resource_class ORDER BY resource_class
            """, new { queued = RunStatus.Queued.Name(), running = RunStatus.Running.Name() }, cancellationToken: ct));
        return rows.Select(r => new QueueDepth(r.ResourceClass, r.Waiting, r.Held, r.Running)).ToList();
    }

    /// <summary>The key of the pipeline step whose attempt the runs row <paramref name="rowId"/> executes, or null.</summary>
    public async Task<string?> StepKeyAsync(Guid rowId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT key FROM run_steps WHERE run_id = @rowId", new { rowId }, cancellationToken: ct));
    }
}
