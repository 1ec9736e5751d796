using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui.Rendering;

public static class RunTitle
{
    /// <summary>The run page's title, status first so a background tab says how the run is doing.</summary>
    public static string Of(Run run) => $"{StatusView.Of(run).Icon} {StatusView.Of(run).Label} · {run.JobName} #{run.Number}";
}
