namespace Narwhal.Dispatcher.Autoscale;

/// <summary>One class's demand: messages in its queue (ready, unacked) and its running runs.</summary>
public sealed record ClassLoad(string Class, int Ready, int Unacked, int Running);

/// <summary>
/// A Runner as autoscaling sees it. <see cref="Leaving"/>: draining, or asked to drain and not yet
/// confirmed, so it is no longer capacity. <see cref="Busy"/>: it runs something (by the database or
/// by its last heartbeat).
/// </summary>
public sealed record RunnerLoad(string Id, IReadOnlyList<string> Classes, bool Online, bool Leaving, bool Busy);
