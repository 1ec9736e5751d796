namespace Narwhal.Ui.Tests.Support;

public static class Repository
{
    /// <summary>The repository's root (where Narwhal.sln is).</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Narwhal.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"No Narwhal.sln above {AppContext.BaseDirectory}");
    }
}
