using Dapper;
using Narwhal.Core.Secrets;
using Npgsql;

namespace Narwhal.Core.Jobs;

public enum GitCredentialKind { Token, SshKey }

/// <summary>What the API shows of a job's git credentials: never the secret.</summary>
public sealed record GitCredentialInfo(GitCredentialKind Kind, string? Username, DateTimeOffset UpdatedAt);

/// <summary>Decrypted, for the Runner's fetch only.</summary>
public sealed record GitCredential(GitCredentialKind Kind, string? Username, string Secret);

/// <summary>One set of git credentials per job (an HTTPS token or an SSH private key), encrypted like secrets.</summary>
public sealed class GitCredentialStore(NpgsqlDataSource db, SecretCipher cipher)
{
    private sealed class CredentialRow
    {
        public string Kind { get; set; } = "";
        public string? Username { get; set; }
        public string KeyId { get; set; } = "";
        public byte[] Nonce { get; set; } = [];
        public byte[] Ciphertext { get; set; } = [];
        public byte[] Tag { get; set; } = [];
        public DateTime UpdatedAt { get; set; }

        public EncryptedSecret Encrypted => new(KeyId, Nonce, Ciphertext, Tag);
        public GitCredentialKind ParsedKind => Kind == "ssh_key" ? GitCredentialKind.SshKey : GitCredentialKind.Token;
    }

    private const string Columns = "kind, username, key_id, nonce, ciphertext, tag, updated_at";

    public static string AssociatedData(Guid jobId) => $"job:{jobId}:git-credentials";

    private static string KindName(GitCredentialKind kind) => kind == GitCredentialKind.SshKey ? "ssh_key" : "token";

    /// <summary>The same kind, user and secret again is "unchanged" and writes nothing.</summary>
    public async Task<SaveOutcome> SetAsync(Guid jobId, GitCredentialKind kind, string? username, string secret, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var existing = await connection.QuerySingleOrDefaultAsync<CredentialRow>(new CommandDefinition(
            $"SELECT {Columns} FROM job_git_credentials WHERE job_id = @jobId FOR UPDATE", new { jobId }, tx, cancellationToken: ct));
        var ad = AssociatedData(jobId);
        var outcome = OutcomeFor(existing, ad, kind, username, secret);
        if (outcome == SaveOutcome.Unchanged) return outcome;

        var encrypted = cipher.Encrypt(secret, ad);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO job_git_credentials (job_id, kind, username, key_id, nonce, ciphertext, tag)
            VALUES (@jobId, @kind, @username, @KeyId, @Nonce, @Ciphertext, @Tag)
            ON CONFLICT (job_id) DO UPDATE SET kind = excluded.kind, username = excluded.username, key_id = excluded.key_id,
                nonce = excluded.nonce, ciphertext = excluded.ciphertext, tag = excluded.tag, updated_at = now()
            """, new { jobId, kind = KindName(kind), username, encrypted.KeyId, encrypted.Nonce, encrypted.Ciphertext, encrypted.Tag },
            tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return outcome;
    }

    /// <summary>Dry run of <see cref="SetAsync"/>: the outcome it would answer, writing nothing (reads only, no lock).</summary>
    public async Task<SaveOutcome> CompareAsync(Guid jobId, GitCredentialKind kind, string? username, string secret, CancellationToken ct) =>
        OutcomeFor(await LoadAsync(jobId, ct), AssociatedData(jobId), kind, username, secret);

    private SaveOutcome OutcomeFor(CredentialRow? existing, string associatedData, GitCredentialKind kind, string? username, string secret) =>
        existing is null ? SaveOutcome.Created
        : existing.ParsedKind == kind && existing.Username == username && cipher.Matches(existing.Encrypted, associatedData, secret) ? SaveOutcome.Unchanged
        : SaveOutcome.Updated;

    public async Task<GitCredentialInfo?> GetInfoAsync(Guid jobId, CancellationToken ct)
    {
        var row = await LoadAsync(jobId, ct);
        return row is null ? null : new GitCredentialInfo(row.ParsedKind, row.Username, new DateTimeOffset(DateTime.SpecifyKind(row.UpdatedAt, DateTimeKind.Utc)));
    }

    public async Task<GitCredential?> RevealAsync(Guid jobId, CancellationToken ct)
    {
        var row = await LoadAsync(jobId, ct);
        return row is null ? null : new GitCredential(row.ParsedKind, row.Username, cipher.Decrypt(row.Encrypted, AssociatedData(jobId)));
    }

    public async Task<bool> DeleteAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM job_git_credentials WHERE job_id = @jobId", new { jobId }, cancellationToken: ct)) == 1;
    }

    private async Task<CredentialRow?> LoadAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<CredentialRow>(new CommandDefinition(
            $"SELECT {Columns} FROM job_git_credentials WHERE job_id = @jobId", new { jobId }, cancellationToken: ct));
    }
}
