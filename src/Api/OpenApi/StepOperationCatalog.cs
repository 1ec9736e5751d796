using Narwhal.Core.Results;

namespace Narwhal.Api.OpenApi;

/// <summary>
/// The operations under <c>/runs/{id}/steps/{key}</c> (a step's state, console and files: the run-level answers for
/// the step's own runs row) and the retries of steps, documented as <see cref="OperationCatalog"/> documents the rest.
/// </summary>
public static class StepOperationCatalog
{
    private const string NoStep = "No such run, or it has no step with that key (a run without steps has one, `main`), or no such attempt.";

    private static readonly ErrorDoc RetryConflict = new(409,
        "The run has no steps (re-run it: POST /runs/{id}/rerun), the step has not ended, nothing failed (retry-failed), " +
        "retention deleted the run's results, or its job was deleted.");

    private static readonly ErrorDoc GateInvalid = new(400, "An unknown field, a required field without a value, or a value not among the field's options (errors names each, as fields.NAME).");
    private static readonly ErrorDoc GateForbidden = new(403, "The token is not among the gate's approvers (the detail says who may decide).");
    private static readonly ErrorDoc GateConflict = new(409,
        "The step is not an approval gate, or it is not waiting for a decision (it waits for its needs, or was approved, rejected, timed out or skipped).");

    public static IReadOnlyDictionary<string, OperationDoc> Operations { get; } = new Dictionary<string, OperationDoc>(StringComparer.Ordinal)
    {
        ["GET /runs/{id}/steps/{key}"] = new("One step of a run, as in the run's `steps`; `?attempt=N` gives an earlier attempt (a retry " +
                                             "keeps the attempts it replaced, with supersededAt set).")
        {
            Errors = [new(404, NoStep)],
        },
        ["GET /runs/{id}/steps/{key}/console"] = OperationCatalog.Console with
        {
            Description = "The step's console output (`?attempt=N`: an earlier attempt's), with the same answers as the run-level console: " +
                          "text/plain while it runs and stored (ETag, Range) once it ended, or with `follow=true` Server-Sent Events " +
                          "resumable with Last-Event-ID. A waiting step has no output yet; a skipped one answers 404.",
            Errors = [new(404, NoStep + " Or it ended without any console output."), new(410, OperationCatalog.Expired), OperationCatalog.RangeOutside],
        },
        ["GET /runs/{id}/steps/{key}/results"] = new("What the step produced, as GET /runs/{id}/results answers for a run.")
        {
            Errors = [new(404, NoStep)],
        },
        ["GET /runs/{id}/steps/{key}/results/junit"] = new("The step's JUnit XML reports as one zip.")
        {
            Errors = [new(404, NoStep + " Or it has no JUnit reports."), new(410, OperationCatalog.Expired)],
            Responses = [new(200, "A zip of the reports.", BodyKind.Binary, "application/zip")],
        },
        ["GET /runs/{id}/steps/{key}/results/junit/summary"] = new("The step's test results: totals, suites, failed cases and unparseable files.")
        {
            Errors = [new(404, NoStep + " Or it has no JUnit summary."), new(410, OperationCatalog.Expired), OperationCatalog.RangeOutside],
            Responses = [.. OperationCatalog.StoredObject(BodyKind.Json, "The summary", "application/json")
                .Select(r => r with { JsonType = r.Body == BodyKind.Json ? typeof(JunitSummaryResult) : null })],
            Headers = [OperationCatalog.RangeHeader, OperationCatalog.IfNoneMatchHeader],
        },
        ["GET /runs/{id}/steps/{key}/results/artifacts"] = new("The step's artifacts: path, size and content type of each.")
        {
            Errors = [new(404, NoStep)],
        },
        ["GET /runs/{id}/steps/{key}/results/artifacts/{path}"] = new("Downloads one artifact of the step, as GET /runs/{id}/results/artifacts/{path} does for a run.")
        {
            Errors = [new(400, "The path climbs ('..') or is encoded."), new(404, NoStep + " Or it has no artifact at that path."),
                new(410, OperationCatalog.Expired), OperationCatalog.RangeOutside],
            Responses = OperationCatalog.StoredObject(BodyKind.Binary, "The artifact", "application/octet-stream", "*/*"),
            Headers = [OperationCatalog.RangeHeader, OperationCatalog.IfNoneMatchHeader],
        },
        ["POST /runs/{id}/steps/{key}/retry"] = new("Runs a step of a pipeline again without redoing what worked: its current attempt (which " +
                                                    "must have ended) is replaced by a new one, and so is every step downstream of it whose " +
                                                    "attempt ended without succeeding (skipped, failed, …); steps still waiting wait for the new " +
                                                    "attempts. An ended run is running again. One transaction: the steps whose needs are met are " +
                                                    "queued at once. Answers the run with its steps.")
        {
            Errors = [new(404, "No such run, or it has no step with that key."), RetryConflict],
        },
        ["POST /runs/{id}/steps/{key}/approve"] = new("Approves an approval gate (a step with `block`) that waits for a decision: the step " +
                                                      "succeeds, who decided, when and the inputs are recorded, and the steps after it are " +
                                                      "released in the same transaction; they receive the inputs as environment variables. " +
                                                      "The body gives a value per field of the gate (`fields`); defaults fill the fields left " +
                                                      "out. Allowed to the gate's `approvers` (default: tokens with scope admin). Answers the " +
                                                      "run with its steps.")
        {
            Errors = [GateInvalid, GateForbidden, new(404, "No such run, or it has no step with that key."), GateConflict],
        },
        ["POST /runs/{id}/steps/{key}/reject"] = new("Rejects an approval gate that waits for a decision: the step fails (\"Rejected by " +
                                                     "NAME.\"), the steps needing it are skipped (`when: failure` and `always` steps run), " +
                                                     "and the run fails unless the gate has allowFailure. Allowed to the gate's `approvers`. " +
                                                     "Answers the run with its steps.")
        {
            Errors = [GateForbidden, new(404, "No such run, or it has no step with that key."), GateConflict],
        },
        ["POST /runs/{id}/retry-failed"] = new("Retries every step of a pipeline whose current attempt failed, timed out, errored, was lost or " +
                                               "aborted, and the steps downstream of them that did not succeed, as POST /runs/{id}/steps/{key}/retry " +
                                               "does for one. Answers the run with its steps.")
        {
            Errors = [new(404, OperationCatalog.NoRun), RetryConflict],
        },
    };
}
