using Narwhal.Runner.Git;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>The per-mirror locks, as another Runner process sharing the cache directory would meet them.</summary>
[TestFixture]
public sealed class MirrorLocks_Specs
{
    private string _directory = null!;
    private MirrorDirectory _mirror = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("narwhal-locks-").FullName;
        _mirror = MirrorDirectory.For(_directory, "repo");
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task When_another_process_holds_the_fetch_lock_Should_wait_until_it_is_released()
    {
        var held = new FileStream(_mirror.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var acquiring = new MirrorLocks().AcquireFetchAsync(_mirror, CancellationToken.None);

        Assert.That(acquiring.IsCompleted, Is.False, "an uncontended lock is taken synchronously; this one must wait");
        await held.DisposeAsync();
        await Eventually.UntilAsync(() => Task.FromResult(acquiring.IsCompleted), "the lock to be taken after release");
        (await acquiring).Dispose();
    }

    [Test]
    public async Task When_waiting_for_a_lock_is_cancelled_Should_give_up_and_free_the_in_process_gate()
    {
        var locks = new MirrorLocks();
        using var cancel = new CancellationTokenSource();
        await using (new FileStream(_mirror.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var acquiring = locks.AcquireFetchAsync(_mirror, cancel.Token);
            cancel.Cancel();
            Assert.That(async () => await acquiring, Throws.InstanceOf<OperationCanceledException>());
        }

        using var lease = await locks.AcquireFetchAsync(_mirror, CancellationToken.None);
        Assert.That(lease, Is.Not.Null);
    }

    [Test]
    public async Task When_readers_share_a_mirror_Should_let_them_in_together_and_keep_eviction_out()
    {
        var locks = new MirrorLocks();
        using var first = await MirrorLocks.AcquireReadAsync(_mirror, CancellationToken.None);
        using var second = await MirrorLocks.AcquireReadAsync(_mirror, CancellationToken.None);

        Assert.That(locks.TryAcquireForEviction(_mirror), Is.Null);
        using var fetch = await locks.AcquireFetchAsync(_mirror, CancellationToken.None);
        Assert.That(fetch, Is.Not.Null, "fetching goes on beside readers");
    }

    [Test]
    public async Task When_a_fetch_runs_in_this_process_Should_keep_eviction_out()
    {
        var locks = new MirrorLocks();
        using (await locks.AcquireFetchAsync(_mirror, CancellationToken.None))
        {
            Assert.That(locks.TryAcquireForEviction(_mirror), Is.Null);
        }

        using var eviction = locks.TryAcquireForEviction(_mirror);
        Assert.That(eviction, Is.Not.Null);
    }
}
