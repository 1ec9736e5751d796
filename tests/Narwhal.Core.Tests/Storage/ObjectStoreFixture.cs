using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Storage;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

/// <summary>
/// What every <see cref="IObjectStore"/> must do is spread over one fixture per concern; each runs
/// once per <see cref="ObjectStoreKind"/> (<c>[TestFixtureSource(typeof(ObjectStoreFixture), nameof(Kinds))]</c>).
/// This base opens one empty store of that kind for the whole fixture (tests run in order and each
/// works under its own key prefix) and removes it afterwards. Stores that split content into parts
/// use <see cref="PartSize"/> and page listings after <see cref="ListPageSize"/> keys, so the cases
/// sit on those boundaries.
/// </summary>
public abstract class ObjectStoreFixture(ObjectStoreKind kind)
{
    protected const int PartSize = 5 * TestContent.MiB;
    protected const int ListPageSize = 3;

    public static readonly ObjectStoreKind[] Kinds = Enum.GetValues<ObjectStoreKind>();

    private TestBucket? _bucket;
    private string? _root;

    protected IObjectStore Store { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.CurrentContext.CancellationToken;

    [OneTimeSetUp]
    public async Task OpenStore() => Store = kind switch
    {
        ObjectStoreKind.S3 => await OpenS3StoreAsync(),
        ObjectStoreKind.FileSystem => await OpenFileSystemStoreAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no store of this kind"),
    };

    [OneTimeTearDown]
    public async Task CloseStore()
    {
        if (_bucket is not null) await _bucket.DisposeAsync();
        if (_root is not null && Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private async Task<IObjectStore> OpenS3StoreAsync()
    {
        _bucket = await TestBucket.CreateAsync(s => s with { PartSizeBytes = PartSize }, listPageSize: ListPageSize);
        return _bucket.Store;
    }

    private async Task<IObjectStore> OpenFileSystemStoreAsync()
    {
        _root = Path.Combine(Path.GetTempPath(), $"narwhal-fs-contract-{Guid.NewGuid():N}");
        var store = new FileSystemObjectStore(_root, NullLogger<FileSystemObjectStore>.Instance);
        await store.EnsureBucketAsync(CancellationToken.None);
        return store;
    }

    /// <summary>A key prefix no other test uses.</summary>
    protected static string NewPrefix() => $"{TestContext.CurrentContext.Test.MethodName}/{Guid.NewGuid():N}/";

    protected async Task<byte[]> PutAndGetAsync(string key, Stream content, string contentType = "application/octet-stream")
    {
        await Store.PutAsync(key, content, contentType, Ct);
        var stored = await Store.GetAsync(key, range: null, Ct);
        Assert.That(stored, Is.Not.Null, $"object {key} just stored");
        return await TestContent.ReadAllAsync(stored!);
    }

    protected async Task PutTextAsync(string key, string text) =>
        await Store.PutAsync(key, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), "text/plain", Ct);

    protected async Task<List<string>> ListKeysAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var info in Store.ListAsync(prefix, Ct)) keys.Add(info.Key);
        return keys;
    }
}
