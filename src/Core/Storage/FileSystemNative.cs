using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Narwhal.Core.Storage;

/// <summary>
/// The few Linux calls <see cref="FileSystemObjectStore"/> needs and .NET has no API for: extended
/// attributes on an open file (metadata that moves with the file through a rename) and fsync of a
/// directory (so that a rename survives a power cut). A failure becomes an exception naming the
/// call, the path and errno; nothing is ignored.
/// </summary>
internal static class FileSystemNative
{
    // errno values and open(2) flags shared by Linux on x86-64 and arm64.
    private const int ENODATA = 61;
    private const int ERANGE = 34;
    private const int ENOTSUP = 95;
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    /// <summary>Creates or replaces attribute <paramref name="name"/> of the open file.</summary>
    public static void SetAttribute(SafeFileHandle file, string name, byte[] value, string pathForErrors)
    {
        if (fsetxattr(file, name, value, (nuint)value.Length, 0) != 0)
            throw Failure("fsetxattr", pathForErrors, Marshal.GetLastPInvokeError());
    }

    /// <summary>The value of attribute <paramref name="name"/> of the open file, or null when it has none.</summary>
    public static byte[]? GetAttribute(SafeFileHandle file, string name, string pathForErrors)
    {
        var buffer = new byte[1024];
        while (true)
        {
            var length = fgetxattr(file, name, buffer, (nuint)buffer.Length);
            if (length >= 0) return buffer.AsSpan(0, (int)length).ToArray();
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENODATA) return null;
            if (errno != ERANGE) throw Failure("fgetxattr", pathForErrors, errno);
            // Larger than the buffer: ask for the size, then read again (it may change in between).
            var size = fgetxattr(file, name, null, 0);
            if (size < 0) throw Failure("fgetxattr", pathForErrors, Marshal.GetLastPInvokeError());
            buffer = new byte[Math.Max(size, buffer.Length * 2)];
        }
    }

    /// <summary>Flushes the directory's entries (a rename or a new name in it) to disk.</summary>
    public static void SyncDirectory(string path)
    {
        var fd = open(path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0) throw Failure("open", path, Marshal.GetLastPInvokeError());
        try
        {
            if (fsync(fd) != 0) throw Failure("fsync", path, Marshal.GetLastPInvokeError());
        }
        finally
        {
            // The data is on disk once fsync returned; a failing close cannot undo that.
            _ = close(fd);
        }
    }

    private static Exception Failure(string call, string path, int errno)
    {
        var message = $"{call} on '{path}' failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).";
        return errno == ENOTSUP ? new NotSupportedException(message) : new IOException(message);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int fsetxattr(SafeFileHandle fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint fgetxattr(SafeFileHandle fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[]? value, nuint size);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc")]
    private static extern int close(int fd);
}
