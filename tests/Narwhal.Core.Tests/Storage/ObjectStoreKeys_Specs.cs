using Narwhal.Core.Storage;
using NUnit.Framework;
using static Narwhal.Core.Tests.Storage.TestContent;

namespace Narwhal.Core.Tests.Storage;

/// <summary>Which keys and prefixes a store takes: unusual but valid characters round trip, invalid ones are refused by every operation.</summary>
[TestFixtureSource(typeof(ObjectStoreFixture), nameof(Kinds))]
public sealed class ObjectStoreKeys_Specs(ObjectStoreKind kind) : ObjectStoreFixture(kind)
{
    private static readonly string[] InvalidKeys =
    [
        "",
        "/runs/1/log",
        "runs/../secrets",
        "..",
        "runs/./1",
        "runs//1",
        "runs/1/",
        "runs\\1",
        "runs/1\nlog",
        new string('k', ObjectKeys.MaxKeyBytes + 1),
    ];

    [TestCaseSource(nameof(InvalidKeys))]
    public void When_a_key_is_invalid_Should_every_operation_throw_ArgumentException(string key)
    {
        var content = new MemoryStream("x"u8.ToArray());
        Assert.Multiple(() =>
        {
            Assert.That(async () => await Store.PutAsync(key, content, "text/plain", Ct), Throws.InstanceOf<ArgumentException>(), "put");
            Assert.That(async () => await Store.PutFileAsync(key, "/dev/null", "text/plain", Ct), Throws.InstanceOf<ArgumentException>(), "put file");
            Assert.That(async () => await Store.GetAsync(key, null, Ct), Throws.InstanceOf<ArgumentException>(), "get");
            Assert.That(async () => await Store.StatAsync(key, Ct), Throws.InstanceOf<ArgumentException>(), "stat");
            Assert.That(async () => await Store.DeleteAsync(key, Ct), Throws.InstanceOf<ArgumentException>(), "delete");
        });
    }

    [TestCase("/runs/")]
    [TestCase("runs/../")]
    [TestCase("runs//")]
    public void When_a_prefix_is_invalid_Should_list_and_delete_throw_ArgumentException(string prefix)
    {
        Assert.Multiple(() =>
        {
            Assert.That(async () => await Store.ListAsync(prefix, Ct).GetAsyncEnumerator(Ct).MoveNextAsync(),
                Throws.InstanceOf<ArgumentException>(), "list");
            Assert.That(async () => await Store.DeletePrefixAsync(prefix, Ct), Throws.InstanceOf<ArgumentException>(), "delete prefix");
        });
    }

    [TestCase("runs/42/log/000001")]
    [TestCase("spaces and ünïcødé/file (1).txt")]
    [TestCase("a..b/c.d..e")]
    [TestCase("special/+&=;:@,$!*'~#%[]")]
    public async Task When_a_key_has_unusual_but_valid_characters_Should_round_trip(string name)
    {
        var key = NewPrefix() + name;
        AssertSameBytes(await PutAndGetAsync(key, new MemoryStream("x"u8.ToArray())), "x"u8, key);
        Assert.That((await Store.StatAsync(key, Ct))?.Key, Is.EqualTo(key));
        var listed = await ListKeysAsync(key);
        Assert.That(listed, Is.EqualTo(new[] { key }));
    }
}
