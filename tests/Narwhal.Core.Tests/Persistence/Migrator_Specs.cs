using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Persistence;

/// <summary>
/// The migrator on real, empty Postgres databases: applies every embedded file once, is a no-op
/// the second time, lets concurrent starts wait for each other, and refuses an edited file.
/// </summary>
[TestFixture]
public sealed class Migrator_Specs
{
    private readonly List<TestDatabase> _databases = [];

    private async Task<TestDatabase> EmptyDatabaseAsync()
    {
        var database = await TestDatabase.CreateAsync(migrate: false);
        _databases.Add(database);
        return database;
    }

    private static Migrator MigratorOn(TestDatabase database) => new(database.DataSource, NullLogger<Migrator>.Instance);

    private static string[] EmbeddedNames => Migrator.Embedded().Select(m => m.Name).ToArray();

    [OneTimeTearDown]
    public async Task DropDatabases()
    {
        foreach (var database in _databases) await database.DisposeAsync();
    }

    [Test]
    public void When_the_assembly_is_built_Should_embed_the_numbered_sql_files_in_order()
    {
        Assert.That(EmbeddedNames, Does.Contain("0001_initial.sql"));
        Assert.That(EmbeddedNames, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.That(Migrator.Embedded().Select(m => m.Checksum), Is.All.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public async Task When_the_database_is_empty_Should_apply_every_file_in_order_and_record_each()
    {
        var database = await EmptyDatabaseAsync();

        var applied = await MigratorOn(database).MigrateAsync(CancellationToken.None);

        Assert.That(applied, Is.EqualTo(EmbeddedNames));
        Assert.That(await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"), Is.EqualTo(EmbeddedNames.Length));
        Assert.That(await database.ScalarAsync<bool>("SELECT to_regclass('public.runs') IS NOT NULL AND to_regclass('public.outbox') IS NOT NULL"),
            Is.True, "the schema exists");
    }

    [Test]
    public async Task When_migrated_twice_Should_apply_nothing_the_second_time()
    {
        var database = await EmptyDatabaseAsync();
        await MigratorOn(database).MigrateAsync(CancellationToken.None);

        var second = await MigratorOn(database).MigrateAsync(CancellationToken.None);

        Assert.That(second, Is.Empty);
        Assert.That(await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"), Is.EqualTo(EmbeddedNames.Length));
    }

    [Test]
    public async Task When_two_processes_migrate_at_once_Should_both_succeed_and_apply_each_file_once()
    {
        var database = await EmptyDatabaseAsync();

        var results = await Task.WhenAll(
            Task.Run(() => MigratorOn(database).MigrateAsync(CancellationToken.None)),
            Task.Run(() => MigratorOn(database).MigrateAsync(CancellationToken.None)));

        Assert.That(results.SelectMany(r => r), Is.EquivalentTo(EmbeddedNames), "between them, each file was applied by exactly one");
        var recorded = await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations");
        var distinct = await database.ScalarAsync<long>("SELECT count(DISTINCT name) FROM schema_migrations");
        Assert.That(recorded, Is.EqualTo(EmbeddedNames.Length));
        Assert.That(distinct, Is.EqualTo(EmbeddedNames.Length));
    }

    [Test]
    public async Task When_an_applied_file_no_longer_matches_its_checksum_Should_throw_naming_the_file()
    {
        var database = await EmptyDatabaseAsync();
        await MigratorOn(database).MigrateAsync(CancellationToken.None);
        await database.ExecuteAsync("UPDATE schema_migrations SET checksum = 'x' WHERE name = '0001_initial.sql'");

        Assert.That(async () => await MigratorOn(database).MigrateAsync(CancellationToken.None),
            Throws.InvalidOperationException.With.Message.Contains("0001_initial.sql"));
    }

    [Test]
    public async Task When_a_file_was_applied_as_first_released_and_only_its_comments_changed_Should_accept_it_and_record_the_current_checksum()
    {
        var database = await EmptyDatabaseAsync();
        await MigratorOn(database).MigrateAsync(CancellationToken.None);
        var (name, released) = Migrator.ReleasedChecksums.First();
        await database.ExecuteAsync($"UPDATE schema_migrations SET checksum = '{released}' WHERE name = '{name}'");

        var applied = await MigratorOn(database).MigrateAsync(CancellationToken.None);

        Assert.That(applied, Is.Empty);
        var current = Migrator.Embedded().Single(m => m.Name == name).Checksum;
        Assert.That(current, Is.Not.EqualTo(released), "the file was reworded since its release");
        Assert.That(await database.ScalarAsync<string>($"SELECT checksum FROM schema_migrations WHERE name = '{name}'"), Is.EqualTo(current));
    }

    [Test]
    public async Task When_a_migration_has_failed_Should_release_its_advisory_lock()
    {
        var database = await EmptyDatabaseAsync();
        await MigratorOn(database).MigrateAsync(CancellationToken.None);
        await database.ExecuteAsync("UPDATE schema_migrations SET checksum = 'x' WHERE name = '0001_initial.sql'");

        Assert.That(async () => await MigratorOn(database).MigrateAsync(CancellationToken.None), Throws.InvalidOperationException);

        // Held on a pooled connection, a leaked lock would block every later start of every process.
        Assert.That(await database.ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            Is.Zero);
    }
}
