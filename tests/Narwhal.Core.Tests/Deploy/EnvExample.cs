using Narwhal.Testing;

namespace Narwhal.Core.Tests.Deploy;

/// <summary>The settings the deploy files may name: the keys .env.example sets.</summary>
public static class EnvExample
{
    /// <summary>The keys .env.example sets (uncommented <c>NAME=value</c> lines).</summary>
    public static HashSet<string> Keys() =>
        File.ReadLines(RepositoryFiles.PathOf(".env.example"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('='))
            .Select(l => l[..l.IndexOf('=')])
            .ToHashSet(StringComparer.Ordinal);
}
