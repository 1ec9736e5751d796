namespace Narwhal.Core.Results;

/// <summary>A file a run produced, stored at <see cref="ObjectKey"/>; <see cref="Path"/> is relative to the workspace.</summary>
public sealed record RunFile(RunFileKind Kind, string Path, long Size, string ContentType, string ObjectKey);
