using System.Text.RegularExpressions;

namespace Narwhal.Runner.Git;

/// <summary>Checks branch names and commit ids before they reach a git command line.</summary>
internal static partial class GitRefNames
{
    [GeneratedRegex("^[0-9a-fA-F]{40}$")]
    private static partial Regex FullSha();

    public static bool IsFullSha(string? value) => value is not null && FullSha().IsMatch(value);

    /// <summary>
    /// The rules of <c>git check-ref-format --branch</c> that matter here, checked without a process:
    /// a name that passes cannot be read as an option or change the meaning of a refspec.
    /// </summary>
    public static bool IsValidBranch(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 255) return false;
        if (name.StartsWith('-') || name.StartsWith('/') || name.EndsWith('/') || name.EndsWith('.') || name.EndsWith(".lock", StringComparison.Ordinal))
            return false;
        if (name.Contains("..", StringComparison.Ordinal) || name.Contains("@{", StringComparison.Ordinal) || name.Contains("//", StringComparison.Ordinal) || name == "@")
            return false;
        if (name.Split('/').Any(part => part.StartsWith('.')))
            return false;
        return !name.Any(c => char.IsControl(c) || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\');
    }

    /// <summary>Accepts <c>main</c> and <c>refs/heads/main</c> alike.</summary>
    public static string ShortBranch(string branch) =>
        branch.StartsWith("refs/heads/", StringComparison.Ordinal) ? branch["refs/heads/".Length..] : branch;

    /// <summary>A path inside a commit's tree, normalised for <c>&lt;sha&gt;:&lt;path&gt;</c>; null when it could escape the tree or break the batch protocol.</summary>
    public static string? TreePath(string path)
    {
        var trimmed = path.Replace('\\', '/').TrimStart('/');
        while (trimmed.StartsWith("./", StringComparison.Ordinal)) trimmed = trimmed[2..];
        if (trimmed.Length == 0 || trimmed.Any(char.IsControl)) return null;
        return trimmed.Split('/').Any(part => part is "" or "." or "..") ? null : trimmed;
    }
}
