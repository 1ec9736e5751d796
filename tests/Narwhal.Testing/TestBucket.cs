using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Configuration;
using Narwhal.Core.Resilience;
using Narwhal.Core.Storage;

namespace Narwhal.Testing;

/// <summary>
/// A bucket of its own for one fixture on the test S3 server (<see cref="TestEnvironment"/>),
/// with an <see cref="IObjectStore"/> on it. Disposing deletes every object, unfinished
/// multipart upload and the bucket itself, using a plain S3 client (not the store under test).
/// </summary>
/// <example><code>
/// [OneTimeSetUp] public async Task Start() => _bucket = await TestBucket.CreateAsync();
/// [OneTimeTearDown] public async Task Stop() => await _bucket.DisposeAsync();
/// </code></example>
public sealed class TestBucket : IAsyncDisposable
{
    private readonly S3ObjectStore _store;

    private TestBucket(StorageSettings settings, S3ObjectStore store)
    {
        Settings = settings;
        _store = store;
    }

    public StorageSettings Settings { get; }

    public IObjectStore Store => _store;

    /// <summary>Settings for the test server with a fresh, not yet created bucket ("t-" + 32 hex digits).</summary>
    public static StorageSettings NewSettings() => new()
    {
        ServiceUrl = TestEnvironment.S3Url,
        Bucket = $"t-{Guid.NewGuid():N}",
        AccessKey = TestEnvironment.S3AccessKey,
        SecretKey = TestEnvironment.S3SecretKey,
        UseChunkEncoding = TestEnvironment.S3ChunkedEncoding,
    };

    /// <summary>
    /// Creates the bucket and a store on it. <paramref name="configure"/> adjusts the settings
    /// (<c>s =&gt; s with { PartSizeBytes = 5 * 1024 * 1024 }</c>); <paramref name="listPageSize"/>
    /// makes listings page early.
    /// </summary>
    public static async Task<TestBucket> CreateAsync(
        Func<StorageSettings, StorageSettings>? configure = null,
        int listPageSize = S3ObjectStore.MaxPageSize,
        ILogger<S3ObjectStore>? logger = null,
        CancellationToken ct = default)
    {
        var settings = configure is null ? NewSettings() : configure(NewSettings());
        var store = new S3ObjectStore(settings, logger ?? NullLogger<S3ObjectStore>.Instance) { ListPageSize = listPageSize };
        var bucket = new TestBucket(settings, store);
        try
        {
            await store.EnsureBucketAsync(ct);
            return bucket;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _store.Dispose();
        using var client = S3ClientFactory.Create(Settings);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await DeleteBucketAsync(client, Settings.Bucket, timeout.Token);
    }

    /// <summary>
    /// Empties and deletes <paramref name="bucket"/>; a bucket that does not exist is fine.
    /// Retried like production calls: s3rver's multi-object delete races with itself when it
    /// removes emptied folders and answers 500 now and then.
    /// </summary>
    public static async Task DeleteBucketAsync(IAmazonS3 client, string bucket, CancellationToken ct)
    {
        var retry = NarwhalResilience.CreateRetryPipeline("test-bucket-cleanup", NullLogger.Instance);
        await retry.ExecuteAsync(async token => await EmptyAndDeleteAsync(client, bucket, token), ct);
    }

    private static async Task EmptyAndDeleteAsync(IAmazonS3 client, string bucket, CancellationToken ct)
    {
        try
        {
            await AbortUnfinishedUploadsAsync(client, bucket, ct);

            ListObjectsV2Response page;
            do
            {
                // Always the first page: what was on it has just been deleted.
                page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, ct);
                if (page.S3Objects is { Count: > 0 } objects)
                {
                    await client.DeleteObjectsAsync(new DeleteObjectsRequest
                    {
                        BucketName = bucket,
                        Objects = objects.Select(o => new KeyVersion { Key = o.Key }).ToList(),
                        Quiet = true,
                    }, ct);
                }
            } while (page.IsTruncated == true);

            await client.DeleteBucketAsync(bucket, ct);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
        }
    }

    /// <summary>MinIO and AWS keep the parts of unfinished multipart uploads; s3rver cannot list them (501) and drops them with the bucket.</summary>
    private static async Task AbortUnfinishedUploadsAsync(IAmazonS3 client, string bucket, CancellationToken ct)
    {
        ListMultipartUploadsResponse uploads;
        try
        {
            uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket }, ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotImplemented)
        {
            return;
        }
        foreach (var upload in uploads.MultipartUploads ?? [])
            await client.AbortMultipartUploadAsync(bucket, upload.Key, upload.UploadId, ct);
    }
}
