using Narwhal.Testing;

namespace Narwhal.Dispatcher.Tests.Fleet;

/// <summary>Seeded runs made into a pipeline run and one of its steps, as a Runner's plan leaves them.</summary>
internal static class PipelineStepRows
{
    public const string StepKey = "deploy";

    /// <summary>
    /// <paramref name="parent"/> becomes a pipeline run (running, no Runner); <paramref name="step"/>, a
    /// claimed run, becomes its only step, with its own retry.onLost when <paramref name="retryOnLost"/> is set.
    /// </summary>
    public static Task MakeAsync(TestDatabase database, Guid parent, Guid step, int? retryOnLost = null) =>
        database.ExecuteAsync("""
            UPDATE runs SET pipeline = true, runner_id = NULL WHERE id = @parent;
            UPDATE runs SET parent_run_id = @parent WHERE id = @step;
            INSERT INTO run_steps (run_id, parent_run_id, key, position, retry_on_lost, definition)
            VALUES (@step, @parent, @key, 0, @retryOnLost, '{}');
            """, new { parent, step, retryOnLost, key = StepKey });
}
