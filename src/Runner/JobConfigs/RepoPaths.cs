namespace Narwhal.Runner.JobConfigs;

/// <summary>Paths and globs the file gives relative to the repository root; none may reach outside it.</summary>
internal static class RepoPaths
{
    private static readonly char[] Separators = ['/', '\\'];

    /// <summary>A relative path whose <c>..</c> segments, if any, stay inside the repository (<c>docker/../Dockerfile</c> is fine).</summary>
    public static string Inside(RawScalar path, string what)
    {
        RequireRelative(path, what);
        var depth = 0;
        foreach (var segment in path.Value.Split(Separators))
        {
            depth += segment switch { ".." => -1, "" or "." => 0, _ => 1 };
            if (depth < 0)
                throw ConfigError.At(path.Start, $"{what} leaves the repository: '{path.Value}'");
        }
        return path.Value;
    }

    /// <summary>
    /// A checked path (see <see cref="Inside"/>) with <c>.</c>, <c>..</c>, empty segments and
    /// backslashes resolved: <c>./docker/../ci/</c> gives <c>ci</c>, the root gives "".
    /// </summary>
    public static string Normalize(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split(Separators))
        {
            if (segment == "..") { if (segments.Count > 0) segments.RemoveAt(segments.Count - 1); }
            else if (segment is not ("" or ".")) segments.Add(segment);
        }
        return string.Join('/', segments);
    }

    /// <summary>A relative glob with no <c>..</c> segment at all.</summary>
    public static string Glob(RawScalar glob, string what)
    {
        RequireRelative(glob, what);
        if (glob.Value.Split(Separators).Contains(".."))
            throw ConfigError.At(glob.Start, $"{what} must not contain '..': '{glob.Value}'");
        return glob.Value;
    }

    private static void RequireRelative(RawScalar path, string what)
    {
        if (string.IsNullOrWhiteSpace(path.Value))
            throw ConfigError.At(path.Start, $"{what} has an empty path");
        if (path.Value.Any(char.IsControl))
            throw ConfigError.At(path.Start, $"{what} contains a control character: '{path.Value}'");
        var value = path.Value;
        var absolute = value[0] is '/' or '\\' || (value.Length >= 2 && char.IsAsciiLetter(value[0]) && value[1] == ':');
        if (absolute)
            throw ConfigError.At(path.Start, $"{what} must be relative to the repository root, found '{value}'");
    }
}
