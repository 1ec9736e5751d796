using Narwhal.Core.Storage;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

public abstract partial class ObjectStoreContract
{
    private async Task<List<string>> ListKeysAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var info in Store.ListAsync(prefix, Ct)) keys.Add(info.Key);
        return keys;
    }

    private async Task PutTextAsync(string key, string text) =>
        await Store.PutAsync(key, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), "text/plain", Ct);

    [Test]
    public async Task When_an_object_exists_Should_stat_its_size_etag_content_type_and_time()
    {
        var key = NewPrefix() + "stat.json";
        var before = DateTimeOffset.UtcNow;
        await Store.PutAsync(key, new MemoryStream(new byte[1234]), "application/json", Ct);

        var info = await Store.StatAsync(key, Ct);
        var stored = await Store.GetAsync(key, null, Ct);
        await stored!.DisposeAsync();

        Assert.That(info, Is.Not.Null);
        Assert.That(info!.Key, Is.EqualTo(key));
        Assert.That(info.Size, Is.EqualTo(1234));
        Assert.That(info.ContentType, Is.EqualTo("application/json"));
        Assert.That(info.ETag, Is.Not.Null.And.Not.Empty.And.EqualTo(stored.ETag), "stat and get agree on the ETag");
        Assert.That(info.ETag, Does.Not.Contain("\""), "ETags come without quotes");
        Assert.That(info.LastModified, Is.EqualTo(before).Within(TimeSpan.FromMinutes(5)), "clock of the server vs ours");
        Assert.That(info.LastModified, Is.EqualTo(stored.LastModified));
    }

    [Test]
    public async Task When_a_key_is_missing_Should_stat_null()
    {
        Assert.That(await Store.StatAsync(NewPrefix() + "nothing", Ct), Is.Null);
    }

    [Test]
    public async Task When_listing_more_keys_than_a_page_Should_yield_exactly_the_prefixed_keys_in_order()
    {
        var prefix = NewPrefix();
        // 8 keys: pages of 3 end in the middle of the run, and the last page is short.
        var expected = Enumerable.Range(0, 7).Select(i => $"{prefix}run/{i:D3}").Append($"{prefix}run/sub/deeper").ToList();
        foreach (var key in expected) await PutTextAsync(key, key);
        // Neighbours the prefix must not reach.
        await PutTextAsync($"{prefix}runner/000", "sibling sharing the characters");
        await PutTextAsync($"{prefix}ru", "shorter");

        var listed = new List<ObjectInfo>();
        await foreach (var info in Store.ListAsync(prefix + "run/", Ct)) listed.Add(info);

        Assert.That(listed.Select(i => i.Key), Is.EqualTo(expected.Order(StringComparer.Ordinal)));
        Assert.That(listed.Select(i => i.Size), Is.EqualTo(expected.Order(StringComparer.Ordinal).Select(k => (long)System.Text.Encoding.UTF8.GetByteCount(k))));
        Assert.That(listed.Select(i => i.ETag), Has.All.Not.Null.And.All.Not.Empty);
    }

    [Test]
    public async Task When_listing_a_prefix_with_nothing_under_it_Should_yield_nothing()
    {
        Assert.That(await ListKeysAsync(NewPrefix()), Is.Empty);
    }

    [Test]
    public async Task When_listing_stops_early_Should_not_need_the_rest()
    {
        var prefix = NewPrefix();
        for (var i = 0; i < 5; i++) await PutTextAsync($"{prefix}{i}", "x");

        var first = new List<string>();
        await foreach (var info in Store.ListAsync(prefix, Ct))
        {
            first.Add(info.Key);
            if (first.Count == 2) break;
        }

        Assert.That(first, Is.EqualTo(new[] { $"{prefix}0", $"{prefix}1" }));
    }

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
