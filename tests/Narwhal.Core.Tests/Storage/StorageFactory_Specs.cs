using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Storage;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

/// <summary><see cref="StorageFactory"/> picks the store from NARWHAL_STORAGE and refuses settings it cannot honour.</summary>
[TestFixture]
public sealed class StorageFactory_Specs
{
    private static IObjectStore Create(params (string Key, string Value)[] settings) =>
        StorageFactory.Create(
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build(),
            NullLoggerFactory.Instance);

    [Test]
    public void When_nothing_is_set_Should_use_S3()
    {
        using var store = (S3ObjectStore)Create();
        Assert.That(store, Is.InstanceOf<S3ObjectStore>());
    }

    [TestCase("filesystem")]
    [TestCase("FileSystem")]
    public void When_filesystem_is_chosen_Should_root_the_store_at_NARWHAL_STORAGE_DIR(string kind)
    {
        var store = Create(("NARWHAL_STORAGE", kind), ("NARWHAL_STORAGE_DIR", "/srv/narwhal/objects"));
        Assert.That(store, Is.InstanceOf<FileSystemObjectStore>());
        Assert.That(((FileSystemObjectStore)store).RootDirectory, Is.EqualTo("/srv/narwhal/objects"));
    }

    [Test]
    public void When_filesystem_is_chosen_without_a_directory_Should_use_the_default()
    {
        var store = (FileSystemObjectStore)Create(("NARWHAL_STORAGE", "filesystem"));
        Assert.That(store.RootDirectory, Is.EqualTo(StorageFactory.DefaultDirectory));
    }

    [Test]
    public void When_the_kind_is_unknown_Should_refuse_naming_the_setting()
    {
        Assert.That(() => Create(("NARWHAL_STORAGE", "gcs")),
            Throws.InvalidOperationException.With.Message.Contains("NARWHAL_STORAGE='gcs'"));
    }

    [Test]
    public void When_the_directory_is_relative_Should_refuse_it_since_processes_could_resolve_it_differently()
    {
        Assert.That(() => Create(("NARWHAL_STORAGE", "filesystem"), ("NARWHAL_STORAGE_DIR", "data/objects")),
            Throws.InvalidOperationException.With.Message.Contains("NARWHAL_STORAGE_DIR='data/objects'"));
    }
}
