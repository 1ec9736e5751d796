using System.Buffers;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Narwhal.Core.Configuration;
using Polly;

namespace Narwhal.Core.Storage;

/// <summary>
/// Uploads of <see cref="S3ObjectStore"/>: one PutObject for content that fits in a part, a
/// multipart upload (aborted on failure) for anything longer, every request through the store's
/// retry pipeline.
/// </summary>
internal sealed class S3ObjectUploader(AmazonS3Client client, ResiliencePipeline retry, StorageSettings settings, ILogger logger)
{
    private static readonly TimeSpan AbortBudget = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Reads <paramref name="content"/> one part at a time into a pooled buffer of
    /// <c>PartSizeBytes</c>: content that fits is one PutObject; anything longer is a multipart
    /// upload, aborted when any step fails. Each request is retried from that buffer, so neither
    /// seekable content nor the whole object in memory is needed.
    /// </summary>
    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken ct)
    {
        ObjectKeys.Validate(key);
        ObjectUploads.ValidateContent(content, contentType);

        var partSize = settings.PartSizeBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(partSize);
        try
        {
            var reader = new PartReader(content, buffer, partSize);
            var length = await reader.FillAsync(ct);
            if (length < partSize || !await reader.HasMoreAsync(ct))
                await PutSingleAsync(key, buffer, length, contentType, ct);
            else
                await PutMultipartAsync(key, reader, length, contentType, ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Task<PutObjectResponse> PutSingleAsync(string key, byte[] buffer, int length, string contentType, CancellationToken ct) =>
        retry.ExecuteAsync(async token => await client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = settings.Bucket,
            Key = key,
            InputStream = new MemoryStream(buffer, 0, length, writable: false),
            ContentType = contentType,
            UseChunkEncoding = settings.UseChunkEncoding,
        }, token), ct).AsTask();

    private async Task PutMultipartAsync(string key, PartReader reader, int firstLength, string contentType, CancellationToken ct)
    {
        var upload = await retry.ExecuteAsync(async token => await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = settings.Bucket,
            Key = key,
            ContentType = contentType,
            // AWS wants the algorithm named up front when parts carry checksums, and every part's
            // checksum repeated on completion; servers without checksums (s3rver) ignore both.
            ChecksumAlgorithm = ChecksumAlgorithm.CRC32,
        }, token), ct);
        var uploadId = upload.UploadId;
        logger.LogDebug("Multipart upload of {Key} started: {UploadId}", key, uploadId);

        var parts = new List<PartETag>();
        try
        {
            var length = firstLength;
            while (length > 0)
            {
                if (parts.Count == S3ObjectStore.MaxParts)
                    throw new InvalidOperationException(
                        $"Object '{key}' is larger than {S3ObjectStore.MaxParts} parts of {settings.PartSizeBytes} bytes; raise NARWHAL_S3_PART_SIZE_MB.");
                parts.Add(await UploadPartAsync(key, uploadId, parts.Count + 1, reader.Buffer, length, ct));
                length = await reader.FillAsync(ct);
            }

            await retry.ExecuteAsync(async token => await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = settings.Bucket,
                Key = key,
                UploadId = uploadId,
                PartETags = parts,
            }, token), ct);
            logger.LogDebug("Multipart upload of {Key} completed in {Parts} parts: {UploadId}", key, parts.Count, uploadId);
        }
        catch (Exception failure)
        {
            await AbortQuietlyAsync(key, uploadId, failure);
            throw;
        }
    }

    private async Task<PartETag> UploadPartAsync(string key, string uploadId, int partNumber, byte[] buffer, int length, CancellationToken ct)
    {
        var response = await retry.ExecuteAsync(async token => await client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = settings.Bucket,
            Key = key,
            UploadId = uploadId,
            PartNumber = partNumber,
            PartSize = length,
            // A fresh stream over the same bytes for every attempt: a retry re-sends this part only.
            InputStream = new MemoryStream(buffer, 0, length, writable: false),
            UseChunkEncoding = settings.UseChunkEncoding,
            ChecksumAlgorithm = ChecksumAlgorithm.CRC32,
        }, token), ct);
        return new PartETag { PartNumber = partNumber, ETag = response.ETag, ChecksumCRC32 = response.ChecksumCRC32 };
    }

    /// <summary>
    /// Frees the parts already stored. Runs even when the caller cancelled (on its own, bounded
    /// budget); a failure here is logged, never thrown over the failure that caused the abort.
    /// </summary>
    private async Task AbortQuietlyAsync(string key, string uploadId, Exception cause)
    {
        using var budget = new CancellationTokenSource(AbortBudget);
        try
        {
            await retry.ExecuteAsync(async token => await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = settings.Bucket,
                Key = key,
                UploadId = uploadId,
            }, token), budget.Token);
            logger.LogWarning(cause, "Multipart upload of {Key} failed and was aborted: {UploadId}", key, uploadId);
        }
        catch (Exception abortFailure)
        {
            logger.LogError(abortFailure, "Multipart upload of {Key} failed and could not be aborted; its parts stay until a lifecycle rule removes them: {UploadId}", key, uploadId);
        }
    }

    /// <summary>Fills the one part buffer from the content, with one byte of look-ahead to tell "exactly one part" from "more".</summary>
    private sealed class PartReader(Stream content, byte[] buffer, int partSize)
    {
        private readonly byte[] _peek = new byte[1];
        private bool _peeked;

        public byte[] Buffer => buffer;

        /// <summary>Reads up to one part into <see cref="Buffer"/>; fewer bytes only at the end, 0 once it is reached.</summary>
        public async Task<int> FillAsync(CancellationToken ct)
        {
            var filled = 0;
            if (_peeked)
            {
                buffer[0] = _peek[0];
                filled = 1;
                _peeked = false;
            }
            while (filled < partSize)
            {
                var read = await content.ReadAsync(buffer.AsMemory(filled, partSize - filled), ct);
                if (read == 0) break;
                filled += read;
            }
            return filled;
        }

        /// <summary>Whether the content has another byte (kept for the next <see cref="FillAsync"/>).</summary>
        public async Task<bool> HasMoreAsync(CancellationToken ct)
        {
            _peeked = await content.ReadAsync(_peek, ct) == 1;
            return _peeked;
        }
    }
}
