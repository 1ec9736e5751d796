using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Narwhal.Core.Persistence;

/// <summary>
/// Applies the numbered SQL files of migrations/ (embedded in this assembly) in order, each in
/// its own transaction, and records them in <c>schema_migrations</c>. Every process runs it at
/// start: a session-level advisory lock makes concurrent starts wait for each other instead of
/// applying a file twice. An applied file whose content changed is an error, never re-applied.
/// </summary>
public sealed class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // Arbitrary constant shared by every Narwhal process: "narwhal" in ASCII.
    private const long AdvisoryLockKey = 0x6e61727768616c;

    public sealed record Migration(string Name, string Sql, string Checksum);

    public static IReadOnlyList<Migration> Embedded()
    {
        var assembly = typeof(Migrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => Load(assembly, n))
            .ToList();
    }

    private static Migration Load(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sql = reader.ReadToEnd();
        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
        return new Migration(resource["migrations/".Length..], sql, checksum);
    }

    /// <summary>
    /// Checksums of files as they were first released, for files whose comments (and nothing else) were
    /// reworded later. A database that applied the released text is brought to the current checksum
    /// instead of being refused. Every entry must come with a diff that touches comment lines only.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ReleasedChecksums = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["0006_runners.sql"] = "7d1a2d253fb47581bdbfa5cbc69def8e5fb9bb4cc9b4320b6f6b59f82b87c5f3",
        ["0007_concurrency.sql"] = "fa596385fa220ade04fd264aa21e2d67b83c1fd937c6a4566d43fa0e51d0fc3e",
        ["0008_github_deliveries.sql"] = "afce5d0f52fe0f0699b8f9f08bba1ba1f7cbdb0392e986cbedc1f684c6c4e65e",
        ["0009_commit_statuses.sql"] = "5d8eddc04d57f70fa75df60519ce95c5469ad4f282d13cc380391052529ccad1",
        ["0011_ui_keys.sql"] = "c18d7d60242a45d6b1675dc704b508154402f2901f90e3a6d575e0b78e6405ac",
    };

    /// <returns>The names of the files applied by this call.</returns>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct)
    {
        var applied = new List<string>();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken: ct));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name        text PRIMARY KEY,
                    checksum    text        NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken: ct));
            var done = (await connection.QueryAsync<(string Name, string Checksum)>(
                new CommandDefinition("SELECT name, checksum FROM schema_migrations", cancellationToken: ct)))
                .ToDictionary(r => r.Name, r => r.Checksum, StringComparer.Ordinal);

            foreach (var migration in Embedded())
            {
                if (done.TryGetValue(migration.Name, out var checksum))
                {
                    if (checksum == migration.Checksum) continue;
                    if (ReleasedChecksums.TryGetValue(migration.Name, out var released) && checksum == released)
                    {
                        // Applied from the file as first released; only its comments changed since.
                        await connection.ExecuteAsync(new CommandDefinition(
                            "UPDATE schema_migrations SET checksum = @Checksum WHERE name = @Name", migration, cancellationToken: ct));
                        continue;
                    }
                    throw new InvalidOperationException(
                        $"Migration {migration.Name} was applied with checksum {checksum} but the file now has {migration.Checksum}: applied migrations must never be edited; add a new numbered file instead.");
                }

                await using var tx = await connection.BeginTransactionAsync(ct);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: tx, cancellationToken: ct));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (name, checksum) VALUES (@Name, @Checksum)", migration, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                logger.LogInformation("Applied migration {Migration}", migration.Name);
                applied.Add(migration.Name);
            }
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey });
        }
        return applied;
    }
}
