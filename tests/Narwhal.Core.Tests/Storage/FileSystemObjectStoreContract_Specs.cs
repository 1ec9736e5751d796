using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Storage;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

/// <summary>The object store contract against <see cref="FileSystemObjectStore"/> on a fresh temporary root, removed afterwards.</summary>
[TestFixture]
public sealed class FileSystemObjectStoreContract_Specs : ObjectStoreContract
{
    private string? _root;

    protected override async Task<IObjectStore> OpenStoreAsync()
    {
        _root = Path.Combine(Path.GetTempPath(), $"narwhal-fs-contract-{Guid.NewGuid():N}");
        var store = new FileSystemObjectStore(_root, NullLogger<FileSystemObjectStore>.Instance);
        await store.EnsureBucketAsync(CancellationToken.None);
        return store;
    }

    protected override ValueTask CloseStoreAsync()
    {
        if (_root is not null && Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
