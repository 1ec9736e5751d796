using Dapper;
using Narwhal.Core.Secrets;
using Npgsql;

namespace Narwhal.Core.Jobs;

public sealed record JobSecretInfo(string Name, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// A job's secrets, encrypted at rest (AES-GCM, key id stored with each value, the ciphertext bound
/// to its job and name). Write-only through the API: values are decrypted only for the Runner.
/// </summary>
public sealed class JobSecretStore(NpgsqlDataSource db, SecretCipher cipher)
{
    private sealed class SecretRow
    {
        public string Name { get; set; } = "";
        public string KeyId { get; set; } = "";
        public byte[] Nonce { get; set; } = [];
        public byte[] Ciphertext { get; set; } = [];
        public byte[] Tag { get; set; } = [];
        public DateTime CreatedAt { get; set; }
        public DateTime UpdatedAt { get; set; }

        public EncryptedSecret Encrypted => new(KeyId, Nonce, Ciphertext, Tag);
    }

    public static string AssociatedData(Guid jobId, string name) => $"job:{jobId}:secret:{name}";

    private const string Columns = "name, key_id, nonce, ciphertext, tag, created_at, updated_at";

    /// <summary>The same value again is "unchanged" and writes nothing (compared after decryption, in constant time).</summary>
    public async Task<SaveOutcome> SetAsync(Guid jobId, string name, string value, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var existing = await connection.QuerySingleOrDefaultAsync<SecretRow>(new CommandDefinition(
            $"SELECT {Columns} FROM job_secrets WHERE job_id = @jobId AND name = @name FOR UPDATE",
            new { jobId, name }, tx, cancellationToken: ct));
        var ad = AssociatedData(jobId, name);
        var outcome = OutcomeFor(existing, ad, value);
        if (outcome == SaveOutcome.Unchanged) return outcome;

        var encrypted = cipher.Encrypt(value, ad);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO job_secrets (job_id, name, key_id, nonce, ciphertext, tag)
            VALUES (@jobId, @name, @KeyId, @Nonce, @Ciphertext, @Tag)
            ON CONFLICT (job_id, name) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce,
                ciphertext = excluded.ciphertext, tag = excluded.tag, updated_at = now()
            """, new { jobId, name, encrypted.KeyId, encrypted.Nonce, encrypted.Ciphertext, encrypted.Tag }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return outcome;
    }

    /// <summary>Dry run of <see cref="SetAsync"/>: the outcome it would answer, writing nothing (reads only, no lock).</summary>
    public async Task<SaveOutcome> CompareAsync(Guid jobId, string name, string value, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var existing = await connection.QuerySingleOrDefaultAsync<SecretRow>(new CommandDefinition(
            $"SELECT {Columns} FROM job_secrets WHERE job_id = @jobId AND name = @name",
            new { jobId, name }, cancellationToken: ct));
        return OutcomeFor(existing, AssociatedData(jobId, name), value);
    }

    private SaveOutcome OutcomeFor(SecretRow? existing, string associatedData, string value) =>
        existing is null ? SaveOutcome.Created
        : cipher.Matches(existing.Encrypted, associatedData, value) ? SaveOutcome.Unchanged
        : SaveOutcome.Updated;

    public async Task<IReadOnlyList<JobSecretInfo>> ListAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<SecretRow>(new CommandDefinition(
            $"SELECT {Columns} FROM job_secrets WHERE job_id = @jobId ORDER BY name",
            new { jobId }, cancellationToken: ct));
        return rows.Select(r => new JobSecretInfo(r.Name, Utc(r.CreatedAt), Utc(r.UpdatedAt))).ToList();
    }

    public async Task<bool> DeleteAsync(Guid jobId, string name, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM job_secrets WHERE job_id = @jobId AND name = @name", new { jobId, name }, cancellationToken: ct)) == 1;
    }

    /// <summary>For the Runner only: every secret of the job, decrypted.</summary>
    public async Task<IReadOnlyDictionary<string, string>> RevealAllAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<SecretRow>(new CommandDefinition(
            $"SELECT {Columns} FROM job_secrets WHERE job_id = @jobId",
            new { jobId }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Name, r => cipher.Decrypt(r.Encrypted, AssociatedData(jobId, r.Name)), StringComparer.Ordinal);
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
