namespace Narwhal.Testing;

/// <summary>
/// Files of this repository (found by walking up from the running assembly to the folder holding Narwhal.sln), and the
/// shared fixtures kept beside it in ../shared/fixtures (never copied into it). Tests, the benchmark and the chaos suite
/// all run from a build below the repository, so the walk finds it from any of them.
/// </summary>
public static class RepositoryFiles
{
    /// <summary>The repository's root (where Narwhal.sln is).</summary>
    public static string Root { get; } = Locate();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A path in ../shared/fixtures beside the repository, e.g. <c>SharedFixture("junit", "jest/report.xml")</c>.</summary>
    public static string SharedFixture(params string[] parts) => Path.GetFullPath(Path.Combine([Root, "..", "shared", "fixtures", .. parts]));

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Narwhal.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No folder holding Narwhal.sln above {AppContext.BaseDirectory}.");
    }
}
