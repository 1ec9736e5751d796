namespace Narwhal.Api.Dtos;

/// <summary>Every list in the API has this shape; pass nextCursor back as ?cursor= for the next page.</summary>
public sealed record PageDto<T>(IReadOnlyList<T> Items, string? NextCursor);
