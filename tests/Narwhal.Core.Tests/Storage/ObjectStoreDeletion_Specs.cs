using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

/// <summary>Deleting one key or everything under a prefix: exactly that goes, missing targets are no error, an empty prefix is refused.</summary>
[TestFixtureSource(typeof(ObjectStoreFixture), nameof(Kinds))]
public sealed class ObjectStoreDeletion_Specs(ObjectStoreKind kind) : ObjectStoreFixture(kind)
{
    [Test]
    public async Task When_an_object_is_deleted_Should_be_gone_for_get_stat_and_list()
    {
        var prefix = NewPrefix();
        await PutTextAsync(prefix + "doomed", "bye");
        await PutTextAsync(prefix + "kept", "stay");

        await Store.DeleteAsync(prefix + "doomed", Ct);

        Assert.That(await Store.GetAsync(prefix + "doomed", null, Ct), Is.Null);
        Assert.That(await Store.StatAsync(prefix + "doomed", Ct), Is.Null);
        Assert.That(await ListKeysAsync(prefix), Is.EqualTo(new[] { prefix + "kept" }));
    }

    [Test]
    public async Task When_a_missing_key_is_deleted_Should_not_throw()
    {
        var key = NewPrefix() + "never-written";
        Assert.That(async () => await Store.DeleteAsync(key, Ct), Throws.Nothing);
        Assert.That(async () => await Store.DeleteAsync(key, Ct), Throws.Nothing, "twice");
    }

    [Test]
    public async Task When_a_prefix_is_deleted_Should_remove_everything_under_it_and_nothing_else()
    {
        var prefix = NewPrefix();
        // More keys than a page, nested ones, and neighbours that share the prefix's characters.
        for (var i = 0; i < 7; i++) await PutTextAsync($"{prefix}runs/1/log/{i:D3}", "line");
        await PutTextAsync($"{prefix}runs/1/results/junit.xml", "<xml/>");
        await PutTextAsync($"{prefix}runs/10/log/000", "other run");
        await PutTextAsync($"{prefix}runs/1", "same characters, no slash");

        await Store.DeletePrefixAsync($"{prefix}runs/1/", Ct);

        Assert.That(await ListKeysAsync($"{prefix}runs/1/"), Is.Empty);
        Assert.That(await ListKeysAsync(prefix), Is.EqualTo(new[] { $"{prefix}runs/1", $"{prefix}runs/10/log/000" }));
    }

    [Test]
    public async Task When_a_prefix_with_nothing_under_it_is_deleted_Should_not_throw()
    {
        var prefix = NewPrefix();
        Assert.That(async () => await Store.DeletePrefixAsync(prefix, Ct), Throws.Nothing);
    }

    [Test]
    public void When_the_prefix_to_delete_is_empty_Should_refuse_rather_than_delete_everything()
    {
        Assert.That(async () => await Store.DeletePrefixAsync("", Ct), Throws.InstanceOf<ArgumentException>());
    }
}
