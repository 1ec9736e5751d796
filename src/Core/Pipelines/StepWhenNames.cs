namespace Narwhal.Core.Pipelines;

/// <summary>The one mapping between <see cref="StepWhen"/> and its name in files, JSON and SQL (run_steps.run_when).</summary>
public static class StepWhenNames
{
    public static string Name(this StepWhen when) => when switch
    {
        StepWhen.Success => "success",
        StepWhen.Failure => "failure",
        StepWhen.Always => "always",
        _ => throw new ArgumentOutOfRangeException(nameof(when), when, null),
    };

    public static bool TryParse(string? name, out StepWhen when)
    {
        (var known, when) = name switch
        {
            "success" => (true, StepWhen.Success),
            "failure" => (true, StepWhen.Failure),
            "always" => (true, StepWhen.Always),
            _ => (false, StepWhen.Success),
        };
        return known;
    }

    public const string Allowed = "success, failure, always";
}
