namespace Narwhal.Dispatcher.Autoscale;

/// <summary>The Runners serving one class. <c>Online = Busy + Idle</c>; draining ones are counted apart.</summary>
public sealed record RunnerCounts(int Online, int Draining, int Busy, int Idle);

/// <summary>The answer of GET /autoscale for one resource class.</summary>
public sealed record ClassAutoscale
{
    public required string Class { get; init; }
    public required int Ready { get; init; }
    public required int Unacked { get; init; }
    public required int Running { get; init; }
    public required int SlotsPerRunner { get; init; }
    public required int Min { get; init; }
    public required int Max { get; init; }
    /// <summary>Runners the class needs now: ceil((ready + running) / slots) within [min, max], never below what running runs need.</summary>
    public required int Desired { get; init; }
    public required RunnerCounts Runners { get; init; }
    /// <summary>Idle online Runners that may be drained (scale-down is by drain only); never a busy one.</summary>
    public required IReadOnlyList<string> Drainable { get; init; }
}

public sealed record AutoscaleReport(IReadOnlyList<ClassAutoscale> Classes);
