namespace Narwhal.Runner.Docker;

/// <summary>
/// One row of the engine's image list. <see cref="RepoTags"/> is empty for an untagged image
/// (the engine's "&lt;none&gt;:&lt;none&gt;" placeholder is left out); <see cref="Size"/> is in bytes, layers shared with other images included.
/// </summary>
public sealed record ImageSummary(
    string Id,
    IReadOnlyList<string> RepoTags,
    IReadOnlyDictionary<string, string> Labels,
    long Size,
    DateTimeOffset Created);
