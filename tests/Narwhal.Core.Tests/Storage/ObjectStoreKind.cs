namespace Narwhal.Core.Tests.Storage;

/// <summary>The <see cref="Narwhal.Core.Storage.IObjectStore"/> implementations every object store spec runs against.</summary>
public enum ObjectStoreKind
{
    /// <summary>The real S3 server the scripts start (s3rver locally, MinIO elsewhere).</summary>
    S3,

    /// <summary><see cref="Narwhal.Core.Storage.FileSystemObjectStore"/> on a fresh temporary root.</summary>
    FileSystem,
}
