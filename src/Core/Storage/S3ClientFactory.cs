using Amazon.Runtime;
using Amazon.S3;
using Narwhal.Core.Configuration;

namespace Narwhal.Core.Storage;

/// <summary>The one place an <see cref="AmazonS3Client"/> is configured from <see cref="StorageSettings"/>.</summary>
public static class S3ClientFactory
{
    public static AmazonS3Client Create(StorageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var config = new AmazonS3Config
        {
            ServiceURL = settings.ServiceUrl,
            // MinIO and s3rver serve buckets as paths (http://host/bucket/key), not as subdomains.
            ForcePathStyle = true,
            AuthenticationRegion = settings.Region,
            // The Polly pipeline in S3ObjectStore is the one retry layer: SDK retries under it
            // would multiply the attempts (and hide them from our logs).
            MaxErrorRetry = 0,
            // Checksums stay at the SDK defaults (WHEN_SUPPORTED): right for MinIO and AWS, and
            // harmless for s3rver, which ignores them. s3rver's real limit is aws-chunked bodies,
            // switched off per request through StorageSettings.UseChunkEncoding.
        };
        return new AmazonS3Client(new BasicAWSCredentials(settings.AccessKey, settings.SecretKey), config);
    }
}
