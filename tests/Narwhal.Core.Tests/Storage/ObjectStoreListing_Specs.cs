using Narwhal.Core.Storage;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

/// <summary>What a store says about what it holds: stat of one key, and listings under a prefix across pages.</summary>
[TestFixtureSource(typeof(ObjectStoreFixture), nameof(Kinds))]
public sealed class ObjectStoreListing_Specs(ObjectStoreKind kind) : ObjectStoreFixture(kind)
{
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
}
