namespace Narwhal.Core.Storage;

/// <summary>
/// What every <see cref="IObjectStore"/> upload checks and opens the same way, whatever the store
/// does with the bytes next.
/// </summary>
public static class ObjectUploads
{
    /// <summary>Throws <see cref="ArgumentException"/> for content a put cannot take (the key is checked by <see cref="ObjectKeys"/>).</summary>
    public static void ValidateContent(Stream content, string contentType)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        if (!content.CanRead) throw new ArgumentException("The content stream is not readable.", nameof(content));
    }

    /// <summary>Opens the file at <paramref name="path"/> for one sequential read (<see cref="FileNotFoundException"/> when missing).</summary>
    public static FileStream OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
    }
}
