using Narwhal.Core.Runs;

namespace Narwhal.Core.Pipelines;

/// <summary>The names <c>when.event</c> takes, and the one a run answers to.</summary>
public static class StepEvents
{
    public const string Push = "push";
    public const string PullRequest = "pull_request";
    public const string Api = "api";
    public const string Manual = "manual";
    public const string Schedule = "schedule";

    public static readonly IReadOnlyList<string> All = [Push, PullRequest, Api, Manual, Schedule];

    /// <summary>
    /// A webhook's event; <c>api</c> for the API and the CLI (which is the API); <c>manual</c> for the web UI's
    /// buttons. No run answers to <c>schedule</c> yet: it is accepted so that files can be written ahead of schedules.
    /// </summary>
    public static string Of(RunTrigger trigger) => trigger.Kind switch
    {
        TriggerKind.Github => trigger.Github?.Event == "pull_request" ? PullRequest : Push,
        TriggerKind.Ui => Manual,
        _ => Api,
    };
}
