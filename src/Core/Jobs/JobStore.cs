using Dapper;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Core.Jobs;

public enum JobSaveOutcome { Created, Updated, Unchanged }

public enum JobDeleteOutcome { Deleted, NotFound, HasActiveRuns }

public sealed class JobStore(NpgsqlDataSource db)
{
    private sealed class JobRow
    {
        public Guid Id { get; set; }
        public string Name { get; set; } = "";
        public string Spec { get; set; } = "{}";
        public DateTime CreatedAt { get; set; }
        public DateTime UpdatedAt { get; set; }
        public DateTime? DeletedAt { get; set; }

        public Job ToJob() => new()
        {
            Id = Id,
            Name = Name,
            Spec = Json.Deserialize<JobSpec>(Spec),
            CreatedAt = DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc),
            UpdatedAt = DateTime.SpecifyKind(UpdatedAt, DateTimeKind.Utc),
            DeletedAt = DeletedAt is { } d ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : null,
        };
    }

    private const string Columns = "id, name, spec::text AS spec, created_at, updated_at, deleted_at";

    /// <summary>
    /// Creates, updates, restores (a deleted job of that name) or leaves alone. Identical specs
    /// compare equal as jsonb, so an unchanged PUT writes nothing at all.
    /// </summary>
    public async Task<(Job Job, JobSaveOutcome Outcome)> SaveAsync(string name, JobSpec spec, CancellationToken ct)
    {
        var json = Json.Serialize(spec);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var existing = await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs WHERE name = @name FOR UPDATE",
            new { name }, tx, cancellationToken: ct));

        JobRow row;
        JobSaveOutcome outcome;
        if (existing is null)
        {
            // ON CONFLICT: a concurrent PUT of the same new name; the loser becomes an update.
            row = await connection.QuerySingleAsync<JobRow>(new CommandDefinition($"""
                INSERT INTO jobs (id, name, type, resource_class, spec)
                VALUES (@id, @name, @type, @resourceClass, @json::jsonb)
                ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, type = excluded.type,
                    resource_class = excluded.resource_class, updated_at = now(), deleted_at = NULL
                RETURNING {Columns}
                """, new { id = Guid.CreateVersion7(), name, type = TypeName(spec.Type), resourceClass = spec.ResourceClass, json }, tx, cancellationToken: ct));
            outcome = JobSaveOutcome.Created;
        }
        else if (existing.DeletedAt is null && await IsSameSpec(connection, tx, existing.Id, json, ct))
        {
            row = existing;
            outcome = JobSaveOutcome.Unchanged;
        }
        else
        {
            outcome = existing.DeletedAt is null ? JobSaveOutcome.Updated : JobSaveOutcome.Created;
            row = await connection.QuerySingleAsync<JobRow>(new CommandDefinition($"""
                UPDATE jobs SET spec = @json::jsonb, type = @type, resource_class = @resourceClass,
                    updated_at = now(), deleted_at = NULL
                WHERE id = @id
                RETURNING {Columns}
                """, new { id = existing.Id, type = TypeName(spec.Type), resourceClass = spec.ResourceClass, json }, tx, cancellationToken: ct));
        }
        await tx.CommitAsync(ct);
        return (row.ToJob(), outcome);
    }

    private static Task<bool> IsSameSpec(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, string json, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT spec = @json::jsonb FROM jobs WHERE id = @id", new { id, json }, tx, cancellationToken: ct));

    public async Task<Job?> GetAsync(string name, bool includeDeleted, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs WHERE name = @name AND (@includeDeleted OR deleted_at IS NULL)",
            new { name, includeDeleted }, cancellationToken: ct));
        return row?.ToJob();
    }

    /// <summary>Live jobs ordered by name, keyset-paged on the name.</summary>
    public async Task<IReadOnlyList<Job>> ListAsync(string? afterName, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<JobRow>(new CommandDefinition($"""
            SELECT {Columns} FROM jobs
            WHERE deleted_at IS NULL AND (@afterName::text IS NULL OR name > @afterName)
            ORDER BY name LIMIT @limit
            """, new { afterName, limit }, cancellationToken: ct));
        return rows.Select(r => r.ToJob()).ToList();
    }

    /// <summary>Soft delete, refused while the job has queued or running runs (checked under the job's row lock,
    /// which triggering also takes, so no run can slip in between the check and the delete).</summary>
    public async Task<JobDeleteOutcome> DeleteAsync(string name, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var id = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM jobs WHERE name = @name AND deleted_at IS NULL FOR UPDATE", new { name }, tx, cancellationToken: ct));
        if (id is null) return JobDeleteOutcome.NotFound;
        var active = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE job_id = @id AND status = ANY(@active))",
            new { id, active = ActiveStatusNames }, tx, cancellationToken: ct));
        if (active) return JobDeleteOutcome.HasActiveRuns;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE jobs SET deleted_at = now(), updated_at = now() WHERE id = @id", new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return JobDeleteOutcome.Deleted;
    }

    private static readonly string[] ActiveStatusNames = [RunStatus.Queued.Name(), RunStatus.Running.Name()];

    private static string TypeName(JobType type) => type == JobType.Git ? "git" : "freestyle";
}
