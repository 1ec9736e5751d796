using Narwhal.Core.Configuration;
using Narwhal.Core.Runs;
using Narwhal.Runner.Docker;

namespace Narwhal.Runner.Execution;

/// <summary>Pure mapping from a claimed run to the container that executes it.</summary>
public sealed class ContainerSpecFactory(InstanceSettings instance, RunnerSettings settings)
{
    public ContainerSpec Create(ClaimedRun claimed)
    {
        var run = claimed.Run;
        var job = claimed.Job;
        if (job.Image is null || job.Script is null)
            throw new InvalidOperationException($"Job '{run.JobName}' has no image or script to run.");

        return new ContainerSpec
        {
            Name = $"narwhal-{instance.Name}-{run.Id:N}-{run.Attempt}",
            Image = job.Image,
            // One shell for the whole script; `set -e` makes the first failing command end it with its exit code.
            Command = ["/bin/sh", "-c", "set -e\n" + string.Join('\n', job.Script)],
            Environment = Environment(claimed),
            Labels = Labels(claimed),
            MemoryBytes = settings.JobMemoryBytes,
            NanoCpus = settings.JobNanoCpus,
            PidsLimit = settings.JobPidsLimit,
        };
    }

    public IReadOnlyDictionary<string, string> Labels(ClaimedRun claimed) => new Dictionary<string, string>
    {
        [RunLabels.Instance] = instance.Name,
        [RunLabels.RunnerId] = settings.RunnerId,
        [RunLabels.RunId] = claimed.Run.Id.ToString(),
        [RunLabels.AttemptId] = claimed.AttemptId.ToString(),
        [RunLabels.Job] = claimed.Run.JobName,
    };

    /// <summary>Parameters first, so the standard variables always win over a same-named parameter.</summary>
    public static IReadOnlyDictionary<string, string> Environment(ClaimedRun claimed)
    {
        var run = claimed.Run;
        var env = new Dictionary<string, string>(run.Parameters, StringComparer.Ordinal)
        {
            ["CI"] = "true",
            ["NARWHAL"] = "true",
            ["NARWHAL_JOB"] = run.JobName,
            ["NARWHAL_RUN_ID"] = run.Id.ToString(),
            ["NARWHAL_RUN_NUMBER"] = run.Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NARWHAL_ATTEMPT"] = run.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (run.CommitSha is not null) env["NARWHAL_COMMIT"] = run.CommitSha;
        if (run.Branch is not null) env["NARWHAL_BRANCH"] = run.Branch;
        return env;
    }
}
