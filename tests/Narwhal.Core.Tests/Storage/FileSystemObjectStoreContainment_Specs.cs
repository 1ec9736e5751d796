using Narwhal.Core.Storage;
using NUnit.Framework;
using static Narwhal.Core.Tests.Storage.TestContent;

namespace Narwhal.Core.Tests.Storage;

/// <summary>
/// <see cref="FileSystemObjectStore"/> keeps to its root: no key, however spelled, and no symbolic
/// link placed in the root makes it read, write or delete anything outside.
/// </summary>
[TestFixture]
public sealed class FileSystemObjectStoreContainment_Specs : FileSystemStoreFixture
{
    private static MemoryStream Text(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    [TestCase("../escape")]
    [TestCase("runs/../../escape")]
    [TestCase("runs/1/../../../escape")]
    [TestCase("/tmp/escape")]
    [TestCase("..")]
    [TestCase("./escape")]
    public void When_a_key_climbs_out_of_the_root_Should_refuse_every_operation_and_create_nothing(string key)
    {
        Assert.Multiple(() =>
        {
            Assert.That(async () => await Store.PutAsync(key, Text("x"), "text/plain", Ct), Throws.InstanceOf<ArgumentException>(), "put");
            Assert.That(async () => await Store.GetAsync(key, null, Ct), Throws.InstanceOf<ArgumentException>(), "get");
            Assert.That(async () => await Store.StatAsync(key, Ct), Throws.InstanceOf<ArgumentException>(), "stat");
            Assert.That(async () => await Store.DeleteAsync(key, Ct), Throws.InstanceOf<ArgumentException>(), "delete");
            Assert.That(async () => await Store.DeletePrefixAsync(key + "/", Ct), Throws.InstanceOf<ArgumentException>(), "delete prefix");
        });
        Assert.That(Entries(), Is.EqualTo(new[] { "outside", "root" }), "nothing written anywhere");
    }

    [TestCase("%2e%2e/%2e%2e/escape")]
    [TestCase("%2E%2E%2F%2E%2E%2Fescape")]
    [TestCase("..%2f..%2fescape")]
    [TestCase("%252e%252e/escape")]
    [TestCase("\u2025/\u2025/escape", TestName = "When_a_key_has_two_dot_leaders_Should_stay_a_plain_name_inside_the_root")]
    [TestCase("\uFF0E\uFF0E/escape", TestName = "When_a_key_has_fullwidth_dots_Should_stay_a_plain_name_inside_the_root")]
    [TestCase(".../escape")]
    [TestCase("~/escape")]
    [TestCase("$HOME/escape")]
    public async Task When_a_key_spells_a_way_out_in_encoded_or_look_alike_form_Should_stay_a_plain_name_inside_the_root(string key)
    {
        await Store.PutAsync(key, Text("inside"), "text/plain", Ct);

        var stored = await Store.GetAsync(key, null, Ct);
        AssertSameBytes(await ReadAllAsync(stored!), "inside"u8, key);
        Assert.That(await ListKeysAsync(Store, ""), Is.EqualTo(new[] { key }));
        Assert.That(Entries().Where(e => !e.StartsWith("root", StringComparison.Ordinal)), Is.EqualTo(new[] { "outside" }),
            "nothing beside the root");
        Assert.That(Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).ToList(), Has.Count.EqualTo(1),
            "one file, under the root");
    }

    [Test]
    public async Task When_a_key_segment_is_longer_than_a_file_name_allows_Should_refuse_it_with_ArgumentException()
    {
        var longest = new string('a', FileSystemObjectStore.MaxKeySegmentBytes);
        await Store.PutAsync($"runs/{longest}", Text("fits"), "text/plain", Ct);

        Assert.Multiple(() =>
        {
            Assert.That(async () => await Store.PutAsync($"runs/{longest}b", Text("x"), "text/plain", Ct), Throws.InstanceOf<ArgumentException>(), "one byte too long");
            Assert.That(async () => await Store.PutAsync($"{longest}b/x", Text("x"), "text/plain", Ct), Throws.InstanceOf<ArgumentException>(), "as a directory");
            // Each '%' takes three bytes on disk ("%25").
            Assert.That(async () => await Store.PutAsync(new string('%', FileSystemObjectStore.MaxKeySegmentBytes / 3 + 1), Text("x"), "text/plain", Ct),
                Throws.InstanceOf<ArgumentException>(), "long once escaped");
        });
        Assert.That(await ListKeysAsync(Store, ""), Is.EqualTo(new[] { $"runs/{longest}" }));
    }

    [Test]
    public async Task When_a_directory_in_the_root_is_a_symlink_to_outside_Should_refuse_to_go_through_it()
    {
        await OpenStore(Outside).PutAsync("secret", Text("outside data"), "text/plain", Ct);
        var secretFile = Path.Combine(Outside, "secret%obj");
        Directory.CreateSymbolicLink(Path.Combine(Root, "linked"), Outside);
        await Store.PutAsync("own", Text("inside"), "text/plain", Ct);

        Assert.Multiple(() =>
        {
            Assert.That(async () => await Store.GetAsync("linked/secret", null, Ct), Throws.InstanceOf<IOException>().With.Message.Contains("symbolic link"), "get");
            Assert.That(async () => await Store.StatAsync("linked/secret", Ct), Throws.InstanceOf<IOException>(), "stat");
            Assert.That(async () => await Store.PutAsync("linked/planted", Text("x"), "text/plain", Ct), Throws.InstanceOf<IOException>(), "put");
            Assert.That(async () => await Store.PutAsync("linked/deeper/planted", Text("x"), "text/plain", Ct), Throws.InstanceOf<IOException>(), "put deeper");
            Assert.That(async () => await Store.DeleteAsync("linked/secret", Ct), Throws.InstanceOf<IOException>(), "delete");
            Assert.That(async () => await ListKeysAsync(Store, "linked/"), Throws.InstanceOf<IOException>(), "list under the link");
            Assert.That(async () => await Store.DeletePrefixAsync("linked/", Ct), Throws.InstanceOf<IOException>(), "delete prefix under the link");
        });
        Assert.That(await ListKeysAsync(Store, ""), Is.EqualTo(new[] { "own" }), "a listing skips the link");
        await Store.DeletePrefixAsync("l", Ct);
        await Store.DeletePrefixAsync("o", Ct);

        Assert.That(File.ReadAllText(secretFile), Is.EqualTo("outside data"), "the outside object is untouched");
        Assert.That(Directory.EnumerateFileSystemEntries(Outside), Is.EqualTo(new[] { secretFile }), "nothing planted outside");
    }

    [Test]
    public async Task When_an_object_file_is_a_symlink_to_outside_Should_refuse_to_read_or_replace_it()
    {
        await OpenStore(Outside).PutAsync("secret", Text("outside data"), "text/plain", Ct);
        var secretFile = Path.Combine(Outside, "secret%obj");
        File.CreateSymbolicLink(Path.Combine(Root, "stolen%obj"), secretFile);

        Assert.Multiple(() =>
        {
            Assert.That(async () => await Store.GetAsync("stolen", null, Ct), Throws.InstanceOf<IOException>().With.Message.Contains("symbolic link"), "get");
            Assert.That(async () => await Store.StatAsync("stolen", Ct), Throws.InstanceOf<IOException>(), "stat");
            Assert.That(async () => await Store.PutAsync("stolen", Text("x"), "text/plain", Ct), Throws.InstanceOf<IOException>(), "put");
            Assert.That(async () => await Store.DeleteAsync("stolen", Ct), Throws.InstanceOf<IOException>(), "delete");
        });
        Assert.That(await ListKeysAsync(Store, ""), Is.Empty, "a listing skips the link");

        Assert.That(File.ReadAllText(secretFile), Is.EqualTo("outside data"));
    }

    [Test]
    public async Task When_the_root_itself_is_a_symlink_Should_work_through_it()
    {
        var linkedRoot = Path.Combine(SandboxDirectory, "root-link");
        Directory.CreateSymbolicLink(linkedRoot, Root);
        var store = OpenStore(linkedRoot);

        await store.PutAsync("runs/1/log", Text("via the link"), "text/plain", Ct);

        AssertSameBytes(await ReadAllAsync((await Store.GetAsync("runs/1/log", null, Ct))!), "via the link"u8, "read through the real root");
    }
}
