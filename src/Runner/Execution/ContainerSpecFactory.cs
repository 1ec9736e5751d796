using Narwhal.Core.Configuration;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Docker;

namespace Narwhal.Runner.Execution;

/// <summary>Pure mapping from a claimed run to the container that executes it.</summary>
public sealed class ContainerSpecFactory(InstanceSettings instance, RunnerSettings settings)
{
    public const string WorkspacePath = "/workspace";

    /// <summary>The job container of a run: its plan's image, script and environment, within this Runner's limits.</summary>
    public ContainerSpec Create(ClaimedRun claimed, JobPlan plan, string image, string? network)
    {
        var run = claimed.Run;
        return new ContainerSpec
        {
            Name = $"narwhal-{instance.Name}-{run.Id:N}-{run.Attempt}",
            Image = image,
            // One shell for the whole script; `set -e` makes the first failing command end it with its exit code.
            Command = ["/bin/sh", "-c", "set -e\n" + string.Join('\n', plan.Script)],
            Environment = plan.Environment,
            Labels = Labels(claimed),
            WorkingDirectory = plan.Workspace is null ? null : WorkspacePath,
            User = plan.User,
            NetworkMode = network,
            // The job may ask for less than the Runner's limits, never for more.
            MemoryBytes = Math.Min(plan.MemoryBytes ?? long.MaxValue, settings.JobMemoryBytes),
            NanoCpus = Math.Min(plan.Cpus is { } cpus ? (long)(cpus * 1_000_000_000) : long.MaxValue, settings.JobNanoCpus),
            PidsLimit = settings.JobPidsLimit,
            Init = settings.JobInit,
        };
    }

    /// <summary>What service containers share with the job container: labels and limits.</summary>
    public ContainerSpec ServiceTemplate(ClaimedRun claimed) => new()
    {
        Name = "",
        Image = "",
        Command = [],
        Labels = Labels(claimed),
        MemoryBytes = settings.JobMemoryBytes,
        NanoCpus = settings.JobNanoCpus,
        PidsLimit = settings.JobPidsLimit,
        Init = settings.JobInit,
    };

    /// <summary>The numeric owner for the workspace files, from a user "uid" or "uid:gid"; root otherwise.</summary>
    public static (int Uid, int Gid) WorkspaceOwner(string? user)
    {
        if (user is null) return (0, 0);
        var parts = user.Split(':');
        var uid = int.TryParse(parts[0], out var u) ? u : 0;
        var gid = parts.Length > 1 && int.TryParse(parts[1], out var g) ? g : uid;
        return (uid, gid);
    }

    public IReadOnlyDictionary<string, string> Labels(ClaimedRun claimed)
    {
        var labels = new Dictionary<string, string>
        {
            [RunLabels.Instance] = instance.Name,
            [RunLabels.RunnerId] = settings.RunnerId,
            [RunLabels.RunId] = claimed.Run.Id.ToString(),
            [RunLabels.AttemptId] = claimed.AttemptId.ToString(),
            [RunLabels.Job] = claimed.Run.JobName,
        };
        if (claimed.Step is { } step)
        {
            labels[RunLabels.Step] = step.Key;
            labels[RunLabels.PipelineRunId] = step.ParentRunId.ToString();
        }
        return labels;
    }

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
        if (claimed.Step is { } step)
        {
            // The run a step belongs to is its pipeline: the id a script would look up in the API.
            env["NARWHAL_RUN_ID"] = step.ParentRunId.ToString();
            env["NARWHAL_STEP"] = step.Key;
            env["NARWHAL_STEP_ATTEMPT"] = step.StepAttempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (run.CommitSha is not null) env["NARWHAL_COMMIT"] = run.CommitSha;
        if (run.Branch is not null) env["NARWHAL_BRANCH"] = run.Branch;
        return env;
    }
}
