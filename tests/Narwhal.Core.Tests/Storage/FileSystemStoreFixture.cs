using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Storage;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

/// <summary>
/// Per test, a temporary directory (<see cref="SandboxDirectory"/>) holding a filesystem store's
/// root (<see cref="Root"/>, with <see cref="Store"/> on it) and a directory beside it
/// (<see cref="Outside"/>) that nothing the store does may touch. All removed after the test
/// (links are removed, not followed).
/// </summary>
public abstract class FileSystemStoreFixture
{
    protected static CancellationToken Ct => TestContext.CurrentContext.CancellationToken;

    protected string SandboxDirectory { get; private set; } = null!;
    protected string Root { get; private set; } = null!;
    protected string Outside { get; private set; } = null!;
    protected FileSystemObjectStore Store { get; private set; } = null!;

    [SetUp]
    public void CreateSandbox()
    {
        SandboxDirectory = Path.Combine(Path.GetTempPath(), $"narwhal-fs-{Guid.NewGuid():N}");
        Root = Path.Combine(SandboxDirectory, "root");
        Outside = Path.Combine(SandboxDirectory, "outside");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        Store = OpenStore();
    }

    [TearDown]
    public void RemoveSandbox()
    {
        if (Directory.Exists(SandboxDirectory)) Directory.Delete(SandboxDirectory, recursive: true);
    }

    /// <summary>Another store instance on <paramref name="root"/> (default: <see cref="Root"/>), as a second process would open it.</summary>
    protected FileSystemObjectStore OpenStore(string? root = null) =>
        new(root ?? Root, NullLogger<FileSystemObjectStore>.Instance);

    /// <summary>Every file and directory in the sandbox, relative to it and sorted.</summary>
    protected List<string> Entries() =>
        Directory.EnumerateFileSystemEntries(SandboxDirectory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => Path.GetRelativePath(SandboxDirectory, p))
            .Order(StringComparer.Ordinal)
            .ToList();

    protected async Task<List<string>> ListKeysAsync(IObjectStore store, string prefix)
    {
        var keys = new List<string>();
        await foreach (var info in store.ListAsync(prefix, Ct)) keys.Add(info.Key);
        return keys;
    }
}
