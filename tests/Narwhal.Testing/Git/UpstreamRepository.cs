namespace Narwhal.Testing.Git;

/// <summary>
/// A repository the tests commit to and the cache fetches from: a plain working repository
/// (file:// fetches and <c>git http-backend</c> both accept one), default branch <c>main</c>.
/// </summary>
public sealed class UpstreamRepository
{
    private UpstreamRepository(string directory) => Directory = directory;

    public string Directory { get; }

    public string Name => Path.GetFileName(Directory);

    public string FileUrl => new Uri(Directory).AbsoluteUri;

    public static UpstreamRepository Create(string parent, string name)
    {
        var directory = Path.Combine(parent, name);
        System.IO.Directory.CreateDirectory(directory);
        TestGit.Run(directory, "init", "--quiet", "--initial-branch=main");
        return new UpstreamRepository(directory);
    }

    /// <summary>Writes the files (path → content; null deletes) and commits them all; returns the commit's sha.</summary>
    public string Commit(string message, params (string Path, string? Content)[] files)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(Directory, path);
            if (content is null)
            {
                File.Delete(full);
                continue;
            }
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
        Git("add", "--all");
        Git("commit", "--quiet", "--allow-empty", "-m", message);
        return Head();
    }

    public string Head() => Git("rev-parse", "HEAD");

    public void CreateBranch(string name) => Git("checkout", "--quiet", "-b", name);

    public void Checkout(string name) => Git("checkout", "--quiet", name);

    public void DeleteBranch(string name) => Git("branch", "--quiet", "-D", name);

    public string Git(params string[] arguments) => TestGit.Run(Directory, arguments);
}
