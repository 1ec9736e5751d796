using Narwhal.Core.Storage;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

public abstract partial class ObjectStoreContract
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

    [Test]
    public async Task When_the_bucket_is_ensured_again_Should_be_a_no_op_that_keeps_the_objects()
    {
        var key = NewPrefix() + "survivor";
        await PutTextAsync(key, "still here");

        await Store.EnsureBucketAsync(Ct);
        await Store.EnsureBucketAsync(Ct);

        var stored = await Store.GetAsync(key, null, Ct);
        Assert.That(stored, Is.Not.Null);
        TestContent.AssertSameBytes(await TestContent.ReadAllAsync(stored!), "still here"u8, "object after EnsureBucket");
    }
}
