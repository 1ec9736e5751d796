namespace Narwhal.Core.Jobs;

public sealed record Job
{
    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public required JobSpec Spec { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }
}
