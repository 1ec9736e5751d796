using Microsoft.Extensions.Configuration;

namespace Narwhal.Core.Configuration;

/// <summary>Where run logs and results are stored: an S3-compatible server (MinIO, AWS, s3rver).</summary>
public sealed record StorageSettings
{
    public required string ServiceUrl { get; init; }
    public required string Bucket { get; init; }
    public required string AccessKey { get; init; }
    public required string SecretKey { get; init; }
    public string Region { get; init; } = "us-east-1";

    /// <summary>
    /// aws-chunked request bodies. Right for MinIO and AWS; s3rver cannot decode them over
    /// plain HTTP, so local stacks set NARWHAL_S3_CHUNKED_ENCODING=false.
    /// </summary>
    public bool UseChunkEncoding { get; init; } = true;

    /// <summary>Objects larger than one part go up as multipart uploads of this size (S3's minimum is 5 MiB).</summary>
    public int PartSizeBytes { get; init; } = 8 * 1024 * 1024;

    public static StorageSettings From(IConfiguration config) => new()
    {
        ServiceUrl = config.GetString("NARWHAL_S3_URL", "http://127.0.0.1:9000"),
        Bucket = config.GetString("NARWHAL_S3_BUCKET", "narwhal"),
        AccessKey = config.GetString("NARWHAL_S3_ACCESS_KEY", "minioadmin"),
        SecretKey = config.GetString("NARWHAL_S3_SECRET_KEY", "minioadmin"),
        Region = config.GetString("NARWHAL_S3_REGION", "us-east-1"),
        UseChunkEncoding = config.GetBool("NARWHAL_S3_CHUNKED_ENCODING", true),
        PartSizeBytes = config.GetInt("NARWHAL_S3_PART_SIZE_MB", 8, min: 5, max: 512) * 1024 * 1024,
    };
}
