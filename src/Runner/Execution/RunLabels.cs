namespace Narwhal.Runner.Execution;

/// <summary>Labels on every Docker object a Runner creates: whose it is, for cleanup and for tests.</summary>
public static class RunLabels
{
    public const string Instance = "org.narwhal.instance";
    public const string RunnerId = "org.narwhal.runner-id";
    public const string RunId = "org.narwhal.run-id";
    public const string AttemptId = "org.narwhal.attempt-id";
    public const string Job = "org.narwhal.job";
    /// <summary>On the containers of a pipeline step: the step's key (the run-id label is the step's own row).</summary>
    public const string Step = "org.narwhal.step";
    /// <summary>On the containers of a pipeline step: the pipeline run it belongs to.</summary>
    public const string PipelineRunId = "org.narwhal.pipeline-run-id";
}
