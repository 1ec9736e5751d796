namespace Narwhal.Api.Ui;

/// <summary>
/// Runs of one resource class that have not ended, as Postgres knows them: <see cref="Waiting"/> for a Runner (queued,
/// published), <see cref="Held"/> by a concurrency limit (queued, no message yet), and <see cref="Running"/>.
/// </summary>
public sealed record QueueDepth(string ResourceClass, int Waiting, int Held, int Running);
