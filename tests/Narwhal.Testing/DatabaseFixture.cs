using NUnit.Framework;

namespace Narwhal.Testing;

/// <summary>
/// A fixture with a migrated database of its own, created before its tests and dropped after them, for specs of the
/// stores that need Postgres and nothing else. A derived fixture's own [OneTimeSetUp] runs after the database exists.
/// </summary>
public abstract class DatabaseFixture
{
    protected TestDatabase Database { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task CreateDatabase() => Database = await TestDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task DropDatabase()
    {
        // Null when creating it failed: NUnit still runs the tear-down.
        if (Database is { } database) await database.DisposeAsync();
    }
}
