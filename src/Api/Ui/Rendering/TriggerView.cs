using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui.Rendering;

/// <summary>Where a run came from, as one short line with an optional link (a GitHub pull request).</summary>
public sealed record TriggerView(string Text, string? Link)
{
    /// <summary>Only an http(s) address becomes a link (never <c>javascript:</c> or the like from a payload).</summary>
    private static string? WebLink(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri.AbsoluteUri : null;

    public static TriggerView Of(Run run)
    {
        var trigger = run.Trigger;
        if (trigger.Kind == TriggerKind.Github && trigger.Github is { } github)
        {
            if (github.PullRequest is { } pr)
                return new TriggerView($"GitHub PR #{pr}{(github.Fork ? " (fork)" : "")}", WebLink(github.PullRequestUrl));
            return new TriggerView($"GitHub {github.Event}{(github.HeadRef is { } head ? $" {head}" : "")}", null);
        }
        // The REST API, the CLI and this UI all trigger with a token; its name says who.
        var who = trigger.TokenName is { } token ? $" by {token}" : "";
        var client = trigger.Kind switch { TriggerKind.Cli => "CLI", TriggerKind.Ui => "Web UI", _ => "API" };
        return new TriggerView(run.RerunOf is null ? $"{client}{who}" : $"Re-run ({client}){who}", null);
    }
}
