namespace Narwhal.Core.Pipelines;

public static class PipelineLimits
{
    /// <summary>Steps per pipeline: enough for wide fan-outs, small enough that one run stays one screen and one transaction.</summary>
    public const int MaxSteps = 100;

    /// <summary>The key a run without <c>steps:</c> shows its single step under.</summary>
    public const string SingleStepKey = "main";
}
