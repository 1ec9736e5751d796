using Narwhal.Api.Jobs;
using Narwhal.Core.Caches;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Caches;

/// <summary>
/// The index of step caches in Postgres: one entry per job and key, the first save of a key winning, eviction of the
/// least recently used beyond a budget, and nothing left behind by a job that is deleted.
/// </summary>
[TestFixture]
public sealed class JobCacheStore_Specs : DatabaseFixture
{
    private JobCacheStore _store = null!;

    [OneTimeSetUp]
    public void CreateStore() => _store = new JobCacheStore(Database.DataSource);

    [Test]
    public async Task When_two_saves_record_one_key_Should_keep_the_first_and_refuse_the_second()
    {
        var job = await JobAsync("two-saves");

        Assert.That(await _store.AddAsync(job, "npm-1", "caches/a.tar", 10, CancellationToken.None), Is.True);
        Assert.That(await _store.AddAsync(job, "npm-1", "caches/b.tar", 20, CancellationToken.None), Is.False);

        var entry = await _store.UseAsync(job, "npm-1", CancellationToken.None);
        Assert.That((entry!.ObjectKey, entry.SizeBytes), Is.EqualTo(("caches/a.tar", 10L)));
    }

    [Test]
    public async Task When_a_stale_save_is_removed_Should_leave_a_newer_save_of_the_key()
    {
        var job = await JobAsync("stale-remove");
        await _store.AddAsync(job, "k", "caches/new.tar", 1, CancellationToken.None);

        Assert.That(await _store.RemoveAsync(job, "k", "caches/old.tar", CancellationToken.None), Is.False);
        Assert.That(await _store.ExistsAsync(job, "k", CancellationToken.None), Is.True);
        Assert.That(await _store.RemoveAsync(job, "k", "caches/new.tar", CancellationToken.None), Is.True);
        Assert.That(await _store.ExistsAsync(job, "k", CancellationToken.None), Is.False);
    }

    [Test]
    public async Task When_a_job_is_over_its_budget_Should_evict_its_least_recently_used_until_within_it()
    {
        var job = await JobAsync("over-budget");
        var other = await JobAsync("other-job");
        await _store.AddAsync(job, "a", "caches/a.tar", 100, CancellationToken.None);
        await _store.AddAsync(job, "b", "caches/b.tar", 100, CancellationToken.None);
        await _store.AddAsync(job, "c", "caches/c.tar", 100, CancellationToken.None);
        await _store.AddAsync(other, "z", "caches/z.tar", 1000, CancellationToken.None);
        // Restoring a counts as use: b is now the least recently used, then c.
        await _store.UseAsync(job, "a", CancellationToken.None);

        var evicted = await _store.EvictAsync(job, 250, CancellationToken.None);

        Assert.That(evicted.Select(e => e.ObjectKey), Is.EqualTo(new[] { "caches/b.tar" }));
        Assert.That((await _store.ListAsync(job, CancellationToken.None)).Select(e => e.Key), Is.EqualTo(new[] { "a", "c" }), "most recently used first");
        Assert.That(await _store.EvictAsync(job, 250, CancellationToken.None), Is.Empty, "within the budget nothing more goes");
        Assert.That(await _store.ListAsync(other, CancellationToken.None), Has.Count.EqualTo(1), "another job's budget is its own");
        Assert.That((await _store.EvictAsync(job, 50, CancellationToken.None)).Select(e => e.Key), Is.EquivalentTo(new[] { "a", "c" }));
    }

    [Test]
    public async Task When_the_job_is_deleted_Should_leave_no_entry()
    {
        var job = await JobAsync("deleted-job");
        await _store.AddAsync(job, "k", "caches/k.tar", 1, CancellationToken.None);

        await Database.ExecuteAsync("DELETE FROM jobs WHERE id = @job", new { job });

        Assert.That(await Database.ScalarAsync<long>("SELECT count(*) FROM job_caches WHERE job_id = @job", new { job }), Is.Zero);
    }

    [Test]
    public async Task When_the_caches_are_cleared_Should_return_them_for_their_objects()
    {
        var job = await JobAsync("cleared");
        await _store.AddAsync(job, "x", "caches/x.tar", 5, CancellationToken.None);
        await _store.AddAsync(job, "y", "caches/y.tar", 6, CancellationToken.None);

        var cleared = await _store.ClearAsync(job, CancellationToken.None);

        Assert.That(cleared.Select(c => c.ObjectKey), Is.EquivalentTo(new[] { "caches/x.tar", "caches/y.tar" }));
        Assert.That(await _store.ListAsync(job, CancellationToken.None), Is.Empty);
    }

    private async Task<Guid> JobAsync(string name) =>
        (await new JobStore(Database.DataSource).SaveAsync(name, RunSeeder.Freestyle(), CancellationToken.None)).Job.Id;
}
