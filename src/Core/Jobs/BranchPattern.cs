namespace Narwhal.Core.Jobs;

/// <summary>
/// A branch name or a glob over branch names (<c>github.pushBranches</c>, a step's <c>when.branch</c>): <c>*</c> matches any run of characters,
/// <c>/</c> included (<c>release/*</c> matches <c>release/1.0</c> and <c>release/1.0/hotfix</c>; <c>*</c> alone matches
/// every branch). Everything else matches itself, case-sensitively, as git compares ref names.
/// </summary>
public static class BranchPattern
{
    public static bool Matches(string pattern, string branch)
    {
        // Classic wildcard matching with backtracking to the last '*': linear in practice, no regex to compile.
        int p = 0, b = 0, star = -1, resume = 0;
        while (b < branch.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = b;
            }
            else if (p < pattern.Length && pattern[p] == branch[b])
            {
                p++;
                b++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                b = ++resume;
            }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    public static bool MatchesAny(IEnumerable<string>? patterns, string branch) =>
        patterns?.Any(p => Matches(p, branch)) == true;
}
