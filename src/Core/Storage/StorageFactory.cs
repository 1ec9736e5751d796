using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Narwhal.Core.Configuration;

namespace Narwhal.Core.Storage;

/// <summary>
/// The one place the <see cref="IObjectStore"/> implementation is chosen from configuration:
/// <c>NARWHAL_STORAGE</c> = <c>s3</c> (default; <see cref="StorageSettings"/>, <c>NARWHAL_S3_*</c>)
/// or <c>filesystem</c> (<see cref="FileSystemObjectStore"/> under <c>NARWHAL_STORAGE_DIR</c>,
/// default <see cref="DefaultDirectory"/>).
/// </summary>
/// <remarks>
/// With <c>filesystem</c>, the Api and every Runner must see the same directory at the same path
/// (one machine, or one shared volume mounted alike), and the directory must be absolute so that
/// processes started from different working directories agree on it.
/// </remarks>
public static class StorageFactory
{
    public const string KindSetting = "NARWHAL_STORAGE";
    public const string DirectorySetting = "NARWHAL_STORAGE_DIR";
    public const string DefaultDirectory = "/var/lib/narwhal/objects";

    public static IObjectStore Create(IConfiguration config, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var kind = config.GetString(KindSetting, "s3");
        return kind.ToLowerInvariant() switch
        {
            "s3" => new S3ObjectStore(StorageSettings.From(config), loggerFactory.CreateLogger<S3ObjectStore>()),
            "filesystem" => new FileSystemObjectStore(DirectoryFrom(config), loggerFactory.CreateLogger<FileSystemObjectStore>()),
            _ => throw new InvalidOperationException($"Setting {KindSetting}='{kind}' must be 's3' or 'filesystem'."),
        };
    }

    /// <summary>The filesystem store's root: <c>NARWHAL_STORAGE_DIR</c>, which must be absolute.</summary>
    public static string DirectoryFrom(IConfiguration config)
    {
        var directory = config.GetString(DirectorySetting, DefaultDirectory);
        if (!Path.IsPathFullyQualified(directory))
            throw new InvalidOperationException(
                $"Setting {DirectorySetting}='{directory}' must be an absolute path: the Api and every Runner must resolve it to the same directory.");
        return directory;
    }
}
