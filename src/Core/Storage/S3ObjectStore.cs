using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Narwhal.Core.Configuration;
using Narwhal.Core.Resilience;
using Polly;

namespace Narwhal.Core.Storage;

/// <summary>
/// <see cref="IObjectStore"/> on an S3-compatible server (MinIO, AWS, s3rver) through AWSSDK.S3.
/// Every S3 call runs through one retry pipeline (<see cref="NarwhalResilience"/>); uploads are
/// <see cref="S3ObjectUploader"/>'s.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    /// <summary>S3's smallest part (AWS and MinIO reject smaller ones except the last: EntityTooSmall).</summary>
    public const int MinPartSizeBytes = 5 * 1024 * 1024;

    /// <summary>S3 lists at most this many keys per request, and deletes at most this many per batch.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>S3 numbers parts 1..10000.</summary>
    public const int MaxParts = 10_000;

    private readonly StorageSettings _settings;
    private readonly ILogger<S3ObjectStore> _logger;
    private readonly AmazonS3Client _client;
    private readonly ResiliencePipeline _retry;
    private readonly S3ObjectUploader _uploader;
    private readonly int _listPageSize = MaxPageSize;

    public S3ObjectStore(StorageSettings settings, ILogger<S3ObjectStore> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrWhiteSpace(settings.Bucket, nameof(settings.Bucket));
        if (settings.PartSizeBytes < MinPartSizeBytes)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.PartSizeBytes,
                $"StorageSettings.PartSizeBytes must be at least {MinPartSizeBytes} bytes (S3's minimum part size).");
        _settings = settings;
        _logger = logger;
        _client = S3ClientFactory.Create(settings);
        _retry = NarwhalResilience.CreateRetryPipeline("s3", logger);
        _uploader = new S3ObjectUploader(_client, _retry, settings, logger);
    }

    /// <summary>
    /// Keys per list request and per delete batch (1..1000, default 1000). Only tests lower it,
    /// to cross page boundaries with a handful of objects.
    /// </summary>
    public int ListPageSize
    {
        get => _listPageSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxPageSize);
            _listPageSize = value;
        }
    }

    public async Task EnsureBucketAsync(CancellationToken ct)
    {
        if (await BucketExistsAsync(ct)) return;
        var request = new PutBucketRequest { BucketName = _settings.Bucket };
        // AWS rejects us-east-1 as an explicit location; every other region must be named.
        if (!string.Equals(_settings.Region, "us-east-1", StringComparison.OrdinalIgnoreCase))
            request.BucketRegionName = _settings.Region;
        try
        {
            await _retry.ExecuteAsync(async token => await _client.PutBucketAsync(request, token), ct);
            _logger.LogInformation("Created bucket {Bucket}", _settings.Bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "BucketAlreadyOwnedByYou")
        {
            // Created concurrently by another process of ours: that is the goal.
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "BucketAlreadyExists")
        {
            // Same race on a server that answers BucketAlreadyExists; if we can reach it, it is ours to use.
            if (!await BucketExistsAsync(ct)) throw;
        }
    }

    private async Task<bool> BucketExistsAsync(CancellationToken ct)
    {
        try
        {
            await _retry.ExecuteAsync(async token => await _client.HeadBucketAsync(new HeadBucketRequest { BucketName = _settings.Bucket }, token), ct);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task PutFileAsync(string key, string path, string contentType, CancellationToken ct)
    {
        ObjectKeys.Validate(key);
        await using var file = ObjectUploads.OpenFile(path);
        await PutAsync(key, file, contentType, ct);
    }

    /// <summary>One part in memory at a time, whatever the size (see <see cref="S3ObjectUploader"/>).</summary>
    public Task PutAsync(string key, Stream content, string contentType, CancellationToken ct) =>
        _uploader.PutAsync(key, content, contentType, ct);

    public async Task<StoredObject?> GetAsync(string key, ByteRange? range, CancellationToken ct)
    {
        ObjectKeys.Validate(key);
        range?.Validate();
        GetObjectResponse response;
        try
        {
            response = await _retry.ExecuteAsync(async token => await _client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = _settings.Bucket,
                Key = key,
                ByteRange = range is { } r ? new Amazon.S3.Model.ByteRange(r.ToString()) : null,
            }, token), ct);
        }
        catch (AmazonS3Exception e) when (IsMissingObject(e))
        {
            return null;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The range starts at or past the end: nothing to read, which is not an error here
            // (a log tail asking "anything after byte N?" gets an empty answer).
            var info = await StatAsync(key, ct);
            return info is null
                ? null
                : new StoredObject(new MemoryStream([], writable: false), 0, info.Size,
                    info.ContentType ?? DefaultContentType, info.ETag, info.LastModified);
        }

        var length = response.Headers.ContentLength;
        var total = TotalLengthFrom(response.ContentRange) ?? length;
        if (total == 0 && length != 0)
        {
            // No range of a 0-byte object is satisfiable (RFC 9110 §14.1.2). AWS and MinIO say 416;
            // s3rver answers a 206 "bytes 0-0/0" with a Content-Length of 1 and no body. Empty either way.
            var empty = new StoredObject(new MemoryStream([], writable: false), 0, 0,
                response.Headers.ContentType ?? DefaultContentType, Unquote(response.ETag), ToOffset(response.LastModified));
            response.Dispose();
            return empty;
        }
        return new StoredObject(
            response.ResponseStream,
            length,
            total,
            response.Headers.ContentType ?? DefaultContentType,
            Unquote(response.ETag),
            ToOffset(response.LastModified));
    }

    public async Task<ObjectInfo?> StatAsync(string key, CancellationToken ct)
    {
        ObjectKeys.Validate(key);
        try
        {
            var response = await _retry.ExecuteAsync(async token => await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest
            {
                BucketName = _settings.Bucket,
                Key = key,
            }, token), ct);
            return new ObjectInfo(key, response.Headers.ContentLength, Unquote(response.ETag),
                response.Headers.ContentType ?? DefaultContentType, ToOffset(response.LastModified));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            // HEAD answers carry no body, so a missing key and a missing bucket both read "NotFound";
            // a missing bucket then surfaces on the next call that has a body.
            return null;
        }
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        ObjectKeys.ValidatePrefix(prefix, allowEmpty: true);
        string? continuation = null;
        do
        {
            var page = await _retry.ExecuteAsync(async token => await _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _settings.Bucket,
                Prefix = prefix.Length == 0 ? null : prefix,
                MaxKeys = ListPageSize,
                ContinuationToken = continuation,
            }, token), ct);
            foreach (var item in page.S3Objects ?? [])
                yield return new ObjectInfo(item.Key, item.Size ?? 0, Unquote(item.ETag), ContentType: null, ToOffset(item.LastModified));
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (continuation is not null);
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        ObjectKeys.Validate(key);
        try
        {
            await _retry.ExecuteAsync(async token => await _client.DeleteObjectAsync(new DeleteObjectRequest
            {
                BucketName = _settings.Bucket,
                Key = key,
            }, token), ct);
        }
        catch (AmazonS3Exception e) when (IsMissingObject(e))
        {
            // S3 answers 204 for a missing key; a server that says 404 means the same.
        }
    }

    public async Task DeletePrefixAsync(string prefix, CancellationToken ct)
    {
        ObjectKeys.ValidatePrefix(prefix, allowEmpty: false);
        var batch = new List<KeyVersion>(ListPageSize);
        // Deleting behind the listing is safe: a continuation token resumes after the last key listed.
        await foreach (var item in ListAsync(prefix, ct))
        {
            batch.Add(new KeyVersion { Key = item.Key });
            if (batch.Count == ListPageSize)
            {
                await DeleteBatchAsync(batch, ct);
                batch.Clear();
            }
        }
        if (batch.Count > 0) await DeleteBatchAsync(batch, ct);
    }

    private async Task DeleteBatchAsync(List<KeyVersion> keys, CancellationToken ct)
    {
        var response = await _retry.ExecuteAsync(async token => await _client.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = _settings.Bucket,
            Objects = [.. keys],
            Quiet = true,
        }, token), ct);
        var errors = response.DeleteErrors?.Where(e => e.Code != "NoSuchKey").ToList() ?? [];
        if (errors.Count > 0)
            throw new IOException($"S3 refused to delete {errors.Count} of {keys.Count} objects in bucket '{_settings.Bucket}', " +
                $"first: '{errors[0].Key}' {errors[0].Code}: {errors[0].Message}");
        _logger.LogDebug("Deleted {Count} objects from bucket {Bucket}", keys.Count, _settings.Bucket);
    }

    public void Dispose() => _client.Dispose();

    private const string DefaultContentType = "application/octet-stream";

    private static bool IsMissingObject(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket";

    private static string? Unquote(string? etag) => etag?.Trim('"');

    private static DateTimeOffset ToOffset(DateTime? value) => value switch
    {
        null => DateTimeOffset.MinValue,
        { Kind: DateTimeKind.Unspecified } v => new DateTimeOffset(v, TimeSpan.Zero),
        { } v => new DateTimeOffset(v.ToUniversalTime(), TimeSpan.Zero),
    };

    /// <summary>The total from a Content-Range header ("bytes 0-9/100" → 100); null when absent or unknown ("*").</summary>
    internal static long? TotalLengthFrom(string? contentRange)
    {
        if (contentRange is null) return null;
        var slash = contentRange.LastIndexOf('/');
        return slash >= 0 && long.TryParse(contentRange.AsSpan(slash + 1), out var total) ? total : null;
    }
}
