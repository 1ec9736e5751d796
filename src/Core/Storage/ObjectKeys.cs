using System.Text;

namespace Narwhal.Core.Storage;

/// <summary>
/// The one definition of a valid object key and prefix, shared by every <see cref="IObjectStore"/>
/// so that a key good for S3 is also good for a filesystem store: '/'-separated segments, none
/// empty, "." or "..", no backslash or control character, at most 1024 UTF-8 bytes (S3's limit).
/// </summary>
public static class ObjectKeys
{
    public const int MaxKeyBytes = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the problem when <paramref name="key"/> is not a valid key.</summary>
    public static void Validate(string key, string paramName = "key")
    {
        if (string.IsNullOrEmpty(key))
            throw new ArgumentException("An object key must not be empty.", paramName);
        if (key.EndsWith('/'))
            throw new ArgumentException($"Object key '{key}' must not end with '/'.", paramName);
        ValidateText(key, paramName, "key");
    }

    /// <summary>
    /// Throws when <paramref name="prefix"/> is not a valid prefix: like a key, but it may be empty
    /// (when <paramref name="allowEmpty"/>) and may end with '/'.
    /// </summary>
    public static void ValidatePrefix(string prefix, bool allowEmpty, string paramName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, paramName);
        if (prefix.Length == 0)
        {
            if (allowEmpty) return;
            throw new ArgumentException("The prefix must not be empty here: that would mean every object.", paramName);
        }
        ValidateText(prefix.EndsWith('/') ? prefix[..^1] : prefix, paramName, "prefix", original: prefix);
    }

    private static void ValidateText(string text, string paramName, string what, string? original = null)
    {
        var shown = original ?? text;
        if (text.StartsWith('/'))
            throw new ArgumentException($"Object {what} '{shown}' must not start with '/'.", paramName);
        if (Encoding.UTF8.GetByteCount(shown) > MaxKeyBytes)
            throw new ArgumentException($"Object {what} '{shown[..40]}...' is longer than {MaxKeyBytes} UTF-8 bytes.", paramName);
        foreach (var c in shown)
        {
            if (c == '\\')
                throw new ArgumentException($"Object {what} '{shown}' must not contain '\\' (use '/').", paramName);
            if (char.IsControl(c))
                throw new ArgumentException($"Object {what} '{shown}' must not contain control characters.", paramName);
        }
        foreach (var segment in text.Split('/'))
        {
            if (segment.Length == 0)
                throw new ArgumentException($"Object {what} '{shown}' must not contain an empty segment ('//').", paramName);
            if (segment is "." or "..")
                throw new ArgumentException($"Object {what} '{shown}' must not contain a '{segment}' segment.", paramName);
        }
    }
}
