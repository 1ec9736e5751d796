using Dapper;
using Narwhal.Core.Jobs;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Api.Jobs;

public enum JobSaveOutcome { Created, Updated, Unchanged }

/// <summary>What a job PUT did (or, planned, would do): the job as stored, the outcome and the fields it changed
/// (empty unless <see cref="JobSaveOutcome.Updated"/>).</summary>
public sealed record JobSaveResult(Job Job, JobSaveOutcome Outcome, IReadOnlyList<JobFieldChange> Changes)
{
    /// <summary>For callers that need only the job and the outcome: <c>var (job, outcome) = await store.SaveAsync(…)</c>.</summary>
    public void Deconstruct(out Job job, out JobSaveOutcome outcome) => (job, outcome) = (Job, Outcome);
}

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
    /// compare equal as jsonb, so an unchanged PUT writes nothing at all. An update reports the
    /// fields it changed (stored spec against the new one, <see cref="JobSpecDiff"/>).
    /// </summary>
    public async Task<JobSaveResult> SaveAsync(string name, JobSpec spec, CancellationToken ct)
    {
        var json = Json.Serialize(spec);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var existing = await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs WHERE name = @name FOR UPDATE",
            new { name }, tx, cancellationToken: ct));

        var outcome = OutcomeFor(existing, existing is not null && await IsLiveAndSameSpec(connection, tx, existing, json, ct));
        JobRow row;
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
        }
        else if (outcome == JobSaveOutcome.Unchanged)
        {
            row = existing;
        }
        else
        {
            row = await connection.QuerySingleAsync<JobRow>(new CommandDefinition($"""
                UPDATE jobs SET spec = @json::jsonb, type = @type, resource_class = @resourceClass,
                    updated_at = now(), deleted_at = NULL
                WHERE id = @id
                RETURNING {Columns}
                """, new { id = existing.Id, type = TypeName(spec.Type), resourceClass = spec.ResourceClass, json }, tx, cancellationToken: ct));
        }
        await tx.CommitAsync(ct);
        return new JobSaveResult(row.ToJob(), outcome, ChangesFor(outcome, existing, json));
    }

    /// <summary>
    /// Dry run of <see cref="SaveAsync"/>: the outcome and changes it would report, and the job as it would be stored
    /// (timestamps it would set are now; <see cref="Job.Id"/> is <see cref="Guid.Empty"/> for a job that does not exist
    /// yet). Reads only, takes no lock: a concurrent PUT can make the real call answer differently.
    /// </summary>
    public async Task<JobSaveResult> PlanAsync(string name, JobSpec spec, CancellationToken ct)
    {
        var json = Json.Serialize(spec);
        await using var connection = await db.OpenConnectionAsync(ct);
        var existing = await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs WHERE name = @name", new { name }, cancellationToken: ct));
        var outcome = OutcomeFor(existing, existing is not null && await IsLiveAndSameSpec(connection, null, existing, json, ct));

        var stored = existing?.ToJob();
        var now = DateTimeOffset.UtcNow;
        var job = outcome == JobSaveOutcome.Unchanged
            ? stored!
            : new Job { Id = stored?.Id ?? Guid.Empty, Name = name, Spec = spec, CreatedAt = stored?.CreatedAt ?? now, UpdatedAt = now };
        return new JobSaveResult(job, outcome, ChangesFor(outcome, existing, json));
    }

    /// <summary>The one rule both <see cref="SaveAsync"/> and <see cref="PlanAsync"/> answer by: a new or deleted job is
    /// created, a live one with a jsonb-equal spec unchanged, any other updated.</summary>
    private static JobSaveOutcome OutcomeFor(JobRow? existing, bool liveAndSameSpec) =>
        existing is null || existing.DeletedAt is not null ? JobSaveOutcome.Created
        : liveAndSameSpec ? JobSaveOutcome.Unchanged
        : JobSaveOutcome.Updated;

    /// <summary>Only an update has changes: a created (or restored) job reports none, nor does an unchanged one.</summary>
    private static IReadOnlyList<JobFieldChange> ChangesFor(JobSaveOutcome outcome, JobRow? existing, string json) =>
        outcome == JobSaveOutcome.Updated ? JobSpecDiff.Between(existing!.Spec, json) : [];

    private static async Task<bool> IsLiveAndSameSpec(NpgsqlConnection connection, NpgsqlTransaction? tx, JobRow existing, string json, CancellationToken ct) =>
        existing.DeletedAt is null && await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT spec = @json::jsonb FROM jobs WHERE id = @id", new { id = existing.Id, json }, tx, cancellationToken: ct));

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

    /// <summary>
    /// Live git jobs whose clone URL contains <paramref name="fullName"/> (owner/name, any case), in id order: one query
    /// for the candidates a GitHub delivery of that repository may trigger. Whether a URL really names the repository
    /// is decided by the caller (<c>RepositoryIdentity</c>), not by this substring test.
    /// </summary>
    public async Task<IReadOnlyList<Job>> ListGitJobsMentioningAsync(string fullName, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<JobRow>(new CommandDefinition($"""
            SELECT {Columns} FROM jobs
            WHERE deleted_at IS NULL AND type = @type AND strpos(lower(spec->'git'->>'url'), lower(@fullName)) > 0
            ORDER BY id
            """, new { type = TypeName(JobType.Git), fullName }, cancellationToken: ct));
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
