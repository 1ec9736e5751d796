using Narwhal.Core.Storage;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

/// <summary>The object store contract against the real S3 server the scripts start (s3rver locally, MinIO elsewhere).</summary>
[TestFixture]
public sealed class S3ObjectStoreContract_Specs : ObjectStoreContract
{
    private TestBucket? _bucket;

    protected override async Task<IObjectStore> OpenStoreAsync()
    {
        _bucket = await TestBucket.CreateAsync(s => s with { PartSizeBytes = PartSize }, listPageSize: ListPageSize);
        return _bucket.Store;
    }

    protected override async ValueTask CloseStoreAsync()
    {
        if (_bucket is not null) await _bucket.DisposeAsync();
    }
}
