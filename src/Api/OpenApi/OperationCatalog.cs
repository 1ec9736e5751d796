using Narwhal.Core.Results;
using Narwhal.Core.Runs;

namespace Narwhal.Api.OpenApi;

/// <summary>
/// The description, errors and non-JSON answers of every operation, keyed "METHOD /path" as the
/// document spells the path. Summaries stay on the endpoints; scopes come from their policies.
/// </summary>
public static class OperationCatalog
{
    private const string NoJob = "No job with that name (or it was deleted).";
    internal const string NoRun = "No run with that id.";
    private const string NoRunner = "No Runner with that id has ever sent a heartbeat.";
    internal const string Expired = "The run exists but retention deleted its logs and results.";

    private static readonly ErrorDoc BadPaging = new(400, "limit is outside 1-100 or cursor is not one this API returned (errors says which).");
    private static readonly ErrorDoc BadRunFilter = new(400, "limit, cursor or status is invalid (errors says which).");

    internal static readonly HeaderDoc RangeHeader = new("Range", "One byte range (`bytes=0-99`, `bytes=100-`, `bytes=-50`): answers 206 with that part.");
    internal static readonly HeaderDoc IfNoneMatchHeader = new("If-None-Match", "The ETag of a copy you hold: answers 304 when it is still current.");

    /// <summary>Stored objects (console log, JUnit summary, artifacts) answer ranges and conditional requests alike.</summary>
    internal static ResponseDoc[] StoredObject(BodyKind body, string what, params string[] mediaTypes) =>
    [
        new(200, $"{what}, whole.", body, mediaTypes),
        new(206, $"The requested byte range of {what.ToLowerInvariant()} (Content-Range says which).", body, mediaTypes),
        new(304, "Not modified: the If-None-Match ETag is current.", BodyKind.None),
    ];

    internal static readonly ErrorDoc RangeOutside = new(416, "The Range starts past the end of what exists.");

    internal static readonly OperationDoc Console = new(
        "The run's console output. Without `follow` it is text/plain: what has arrived so far while the run is active " +
        "(no-store), the stored log once it ended (ETag, Range, cached for long). With `follow=true` it is a " +
        "text/event-stream of `log` events (`data: {\"offset\", \"text\"}`, id = byte offset after it) and one `end` event " +
        "(`data: {\"status\", \"exitCode\", \"truncated\"}`); reconnecting with Last-Event-ID resumes exactly there.")
    {
        Errors =
        [
            new(404, "No such run, or it ended without any console output."),
            new(410, Expired),
            RangeOutside,
        ],
        Responses =
        [
            new(200, "The log as text/plain, or with follow=true as Server-Sent Events.", BodyKind.Text, "text/plain", "text/event-stream"),
            new(206, "The requested byte range of the log (Content-Range says which).", BodyKind.Text, "text/plain"),
            new(304, "Not modified: the If-None-Match ETag is current.", BodyKind.None),
        ],
        Headers = [RangeHeader, IfNoneMatchHeader, new("Last-Event-ID", "With follow=true: the id of the last event received; the stream resumes after it.")],
    };

    /// <summary>The run-level console, which a pipeline does not have (its steps each have theirs).</summary>
    private static readonly OperationDoc RunConsole = Console with
    {
        Errors = [.. Console.Errors, new(409, "The run is a pipeline: each step has its own console (GET /runs/{id}/steps/{key}/console).")],
    };

    /// <summary>The documentation of an operation by "METHOD /path", a step's included (<see cref="StepOperationCatalog"/>).</summary>
    public static bool TryFind(string key, out OperationDoc doc) =>
        Operations.TryGetValue(key, out doc!) || StepOperationCatalog.Operations.TryGetValue(key, out doc!);

    public static IReadOnlyDictionary<string, OperationDoc> Operations { get; } = new Dictionary<string, OperationDoc>(StringComparer.Ordinal)
    {
        ["GET /health/live"] = new("Liveness probe: 200 while the process serves requests. Checks nothing else; needs no token."),
        ["GET /health/ready"] = new("Readiness probe: 200 when Postgres answers and the broker connection is open, 503 naming what is unreachable otherwise. Needs no token.")
        {
            Errors = [new(503, "Postgres or the broker is unreachable; detail names which.")],
            Responses = [new(200, "Ready.", BodyKind.Json, "application/json") { JsonType = typeof(Dictionary<string, string>) }],
        },

        ["POST /tokens"] = new("Creates an API token with the given scopes and optional expiry. The secret (nwl_…) is in this answer only; it is stored hashed.")
        {
            Errors = [new(409, "An active token with that name exists.")],
            Example = RequestExamples.Token,
        },
        ["GET /tokens"] = new("Lists active (not revoked, not expired) tokens with their scopes and last use; never their secrets."),
        ["DELETE /tokens/{id}"] = new("Revokes a token at once: its next request answers 401.")
        {
            Errors = [new(404, "No active token with that id.")],
        },

        ["GET /jobs"] = new("Lists jobs by name, keyset-paged: pass nextCursor back as `cursor` for the next page.")
        {
            Errors = [BadPaging],
        },
        ["GET /jobs/{name}"] = new("The job's definition as stored (defaults filled in).")
        {
            Errors = [new(404, NoJob)],
        },
        ["PUT /jobs/{name}"] = new("Creates or replaces a job from its definition: `freestyle` (image + script) or `git` (clone URL; the " +
                                   "script comes from the repository's job config). Idempotent: 201 created, 200 updated, or 200 " +
                                   "`unchanged` when the same definition is sent again (nothing is written). Unknown properties are refused. " +
                                   "`changes` lists `{ field, from, to }` per changed field (dot paths, arrays whole), empty unless updated. " +
                                   "`?dryRun=true` validates the same and gives the same answer with `dryRun: true`, writing nothing " +
                                   "(what `narwhal apply` shows as its plan). Fleet settings, all optional: `maxConcurrent` (1-1000) " +
                                   "runs at once, the rest wait `queued` with `held: true` and start in trigger order as others end; " +
                                   "`concurrencyGroup` (needs maxConcurrent) shares that limit with every job naming the same group " +
                                   "(give them the same maxConcurrent: the run first in line waits for its own job's value); " +
                                   "`retry: { onLost: N }` (0-10, default off) queues a run whose Runner vanished again, up to N times. " +
                                   "GitHub settings of git jobs, all optional (`github: {}` is the same as none): `pushBranches` (names or " +
                                   "`*` globs whose pushes trigger the job), `pushTags`, `cancelSuperseded` (a new push to a pull request " +
                                   "aborts the job's runs of its older commits), `forkSecrets` (runs of pull requests from forks get the " +
                                   "secrets and git credentials; off by default), `commitStatuses`. " +
                                   "Pipelines (freestyle): `steps` is an object of steps by key (letters, digits, '.', '_', '-'; at most " +
                                   "100), kept in the order written; each step takes `image`, `script`, `env`, `timeoutSeconds` (defaults: " +
                                   "the job's top-level values, env merged), `needs` (keys, or `{ step, artifacts: false }` to leave that " +
                                   "step's artifacts out of its workspace), `when` (success, failure, always), `allowFailure`, " +
                                   "`resourceClass`, `concurrencyGroup` (not the job's own) with `concurrency` (default 1) and `retry: { onLost }`; top-level " +
                                   "`failFast` stops the other steps at the first failure. Errors name the field: `steps.test.needs[0]`. " +
                                   "A change of the steps' order shows in `changes` as `steps` with the keys in each order. Git jobs take " +
                                   "`steps`, `env` and `failFast` from their config file and refuse them here.")
        {
            Example = RequestExamples.Job,
        },
        ["DELETE /jobs/{name}"] = new("Deletes a job. Refused while it has queued or running runs; its run history stays readable.")
        {
            Errors = [new(404, NoJob), new(409, "The job has queued or running runs; abort them or wait for them to end.")],
        },

        ["GET /jobs/{name}/secrets"] = new("Lists the names of the job's secrets and when they changed; values are write-only and never shown.")
        {
            Errors = [new(404, NoJob)],
        },
        ["PUT /jobs/{name}/secrets/{key}"] = new("Sets a secret, encrypted at rest and given to the job's runs as the environment variable `key` " +
                                                 "(masked in logs). 201 created, 200 updated or unchanged (the same value again writes nothing). " +
                                                 "`?dryRun=true` answers the outcome the PUT would have, with `dryRun: true`, writing nothing.")
        {
            Errors = [new(404, NoJob)],
            Example = RequestExamples.Secret,
        },
        ["GET /jobs/{name}/caches"] = new("Lists the job's step caches (see `cache` in docs/job-config.md), most recently used first: the resolved key, " +
                                          "the size of its tar, when a Runner saved it and when one last restored it.")
        {
            Errors = [new(404, NoJob)],
        },
        ["DELETE /jobs/{name}/caches"] = new("Deletes every step cache of the job, index and stored tars; the next successful run of each step saves " +
                                             "its caches afresh. A run restoring meanwhile sees a miss.")
        {
            Errors = [new(404, NoJob)],
        },
        ["DELETE /jobs/{name}/secrets/{key}"] = new("Deletes a secret; runs that start afterwards no longer get it.")
        {
            Errors = [new(404, "No such job, or the job has no secret with that name.")],
        },
        ["GET /jobs/{name}/git-credentials"] = new("What credentials the job clones with: their kind (token or ssh_key) and user name; never the secret.")
        {
            Errors = [new(404, "No such job, or the job has no git credentials.")],
        },
        ["PUT /jobs/{name}/git-credentials"] = new("Sets the credentials the job's runs clone with: an HTTPS token (with an optional user name) " +
                                                   "or an SSH private key, encrypted at rest. 201 created, 200 updated or unchanged. " +
                                                   "`?dryRun=true` answers the outcome the PUT would have, with `dryRun: true`, writing nothing.")
        {
            Errors = [new(404, NoJob)],
            Example = RequestExamples.GitCredentials,
        },
        ["DELETE /jobs/{name}/git-credentials"] = new("Deletes the job's git credentials; later clones are anonymous.")
        {
            Errors = [new(404, "No such job, or the job has no git credentials.")],
        },

        ["POST /jobs/{name}/runs"] = new("Queues a run. Git jobs take `commitSha` or `branchName` (default: the job's default branch); freestyle " +
                                         "jobs take neither. `parameters` must be declared by the job. With an Idempotency-Key, the same " +
                                         "request again answers 200 with the original run instead of queueing another; a different request " +
                                         "with the same key answers 422. The body may be empty.")
        {
            Errors = [new(404, NoJob), new(422, "The Idempotency-Key was already used with a different request.")],
            Example = RequestExamples.Trigger,
        },
        ["GET /jobs/{name}/runs"] = new("The job's runs, newest first, keyset-paged; filter by status and branch. Runs of a deleted job stay listed. " +
                                        ListedWithoutSteps)
        {
            Errors = [BadRunFilter, new(404, "No job with that name ever existed.")],
        },
        ["GET /jobs/{name}/runs/{number}"] = new("A run by its job and number (#1, #2, … per job), with its steps as GET /runs/{id} gives them.")
        {
            Errors = [new(404, "The job has no run with that number.")],
        },
        ["GET /runs"] = new("All runs, newest first, keyset-paged; filter by job, status and branch. " + ListedWithoutSteps)
        {
            Errors = [BadRunFilter],
        },
        ["GET /runs/{id}"] = new("A run: status, source, parameters, trigger, timing, exit code, log size and links. A queued run " +
                                 "held back by its job's concurrency limit has `held: true` and `waitingFor` naming the limit. " +
                                 "`steps` lists the current attempt of each step in the order written: id (its own runs row), key, " +
                                 "status (waiting, queued, running, succeeded, failed, error, timed_out, aborted, lost, skipped), " +
                                 "statusReason, attempt, needs, when, allowFailure, resourceClass, runnerId, exitCode, timings and links. " +
                                 "A run without steps shows one step, `main`, which is the run itself. `pipeline: true` marks a run whose " +
                                 "work is its steps: its status derives from theirs (the first step failing without allowFailure gives it " +
                                 "its status and exit code) and it has no console of its own. A step's id is not a run id: GET /runs/{id} " +
                                 "of it answers 404.")
        {
            Errors = [new(404, NoRun)],
        },
        ["POST /runs/{id}/rerun"] = new("Queues a new run of the same job with the same source (the exact commit when it was known) and parameters; rerunOf points back.")
        {
            Errors = [new(404, NoRun), new(409, "The run's job has been deleted.")],
        },
        ["POST /runs/{id}/abort"] = new("Aborts a run: a queued run ends aborted at once (200); a running run gets abortRequestedAt and its " +
                                        "Runner stops it promptly (202, it ends aborted). A pipeline: its queued steps end aborted, its " +
                                        "waiting steps are skipped and its running steps are stopped by their Runners (202; 200 when none " +
                                        "was running and the run ended at once).")
        {
            Errors = [new(404, NoRun), new(409, "The run already ended.")],
        },

        ["GET /runners"] = new("Every Runner the registry knows (the Dispatcher keeps it from heartbeats): state (online, draining, " +
                               "offline), classes, slots, load and running runs. Online and draining first, offline last, each by id; " +
                               "the list is not paged (nextCursor is always null)."),
        ["GET /runners/{id}"] = new("One Runner: state, host, version, classes, slots, load (CPU, memory, quota) as of its last " +
                                    "heartbeat, why it is paused, its running runs, and any drain request.")
        {
            Errors = [new(404, NoRunner)],
        },
        ["POST /runners/{id}/drain"] = new("Drains a Runner: it takes no new runs, reports `draining`, finishes the runs it has, then " +
                                           "exits. Recorded in the registry (the Runner reads it at its next heartbeat) and broadcast " +
                                           "so it reacts at once. 202 with the Runner and drainRequestedAt; asking again keeps the first " +
                                           "request's time and requester.")
        {
            Errors = [new(404, NoRunner), new(409, "The Runner is offline: nothing runs there to drain.")],
        },

        ["POST /hooks/github"] = new("The GitHub webhook endpoint (content type application/json). A `pull_request` opened, synchronize or " +
                                    "reopened queues a run of every git job whose git.url names the repository (https, ssh, git:// forms, " +
                                    "with or without .git) on the head commit; from a fork without secrets or git credentials unless the " +
                                    "job sets github.forkSecrets; jobs with github.cancelSuperseded abort their runs of older commits of the " +
                                    "pull request. A `push` queues the jobs whose github.pushBranches match the branch (tags: github.pushTags); " +
                                    "deletions trigger nothing. `ping` and other actions answer 200 with outcome `ignored` and the reason; " +
                                    "events Narwhal does not handle answer 202. Each delivery id counts once: a redelivery answers the " +
                                    "original record with `duplicate: true` and triggers nothing.")
        {
            Errors =
            [
                new(400, "X-GitHub-Delivery or X-GitHub-Event is missing, or the payload is malformed JSON or lacks a field the event needs (recorded as rejected)."),
                new(413, "The body is larger than NARWHAL_GITHUB_WEBHOOK_MAX_BODY_KB (default 25 MB, GitHub's own limit for payloads); a larger Content-Length is refused before the body is read."),
                new(415, "The body is not sent as application/json (recorded as rejected): set the webhook's content type."),
                new(503, "NARWHAL_GITHUB_WEBHOOK_SECRET is not set: no delivery can be verified; or NARWHAL_GITHUB_WEBHOOK_MAX_CONCURRENT deliveries are being read already (Retry-After)."),
            ],
            Headers =
            [
                new(Endpoints.GithubHooksEndpoints.EventHeader, "The event: ping, pull_request, push (others are accepted and ignored)."),
                new(Endpoints.GithubHooksEndpoints.DeliveryHeader, "The delivery's unique id; the same id again triggers nothing."),
            ],
            RawJsonBody = "The event's payload exactly as GitHub sends it (up to 25 MB; the signature covers these bytes).",
        },
        ["GET /hooks/github/deliveries"] = new("Recent GitHub deliveries, newest first, keyset-paged: id, event, action, repository, " +
                                               "outcome (triggered, ignored, rejected) with its reason, the runs each queued and the runs it superseded.")
        {
            Errors = [BadPaging],
        },

        ["GET /runs/{id}/results/console"] = RunConsole,
        ["GET /jobs/{name}/runs/{number}/results/console"] = RunConsole with
        {
            Description = "The console output of a run named by job and number; the same answers as GET /runs/{id}/results/console.",
        },
        ["GET /runs/{id}/results"] = new("What a run produced, with links: whether a console log exists (size, truncated), the JUnit " +
                                         "reports, the JUnit summary and the artifacts; expiredAt once retention deleted them.")
        {
            Errors = [new(404, NoRun)],
        },
        ["GET /runs/{id}/results/junit"] = new("The run's JUnit XML reports as one zip, streamed as it is built (paths as collected).")
        {
            Errors = [new(404, "No such run, or it has no JUnit reports."), new(410, Expired)],
            Responses = [new(200, "A zip of the reports.", BodyKind.Binary, "application/zip")],
        },
        ["GET /runs/{id}/results/junit/summary"] = new("The run's test results, summed over its JUnit reports: totals, suites, failed " +
                                                       "cases (capped) and files that could not be parsed. Written when the run ends. " +
                                                       "A pipeline's adds up the summaries of its steps' current attempts, each file name " +
                                                       "and failure's suite prefixed with the step key (`test/TEST-api.xml`); it is " +
                                                       "computed when asked (no ETag or Range).")
        {
            Errors = [new(404, "No such run, or it has no JUnit summary (no report matched, or it has not ended)."), new(410, Expired), RangeOutside],
            Responses = [.. StoredObject(BodyKind.Json, "The summary", "application/json").Select(r => r with { JsonType = r.Body == BodyKind.Json ? typeof(JunitSummaryResult) : null })],
            Headers = [RangeHeader, IfNoneMatchHeader],
        },
        ["GET /runs/{id}/results/artifacts"] = new("The run's artifacts: path, size and content type of each.")
        {
            Errors = [new(404, NoRun)],
        },
        ["GET /runs/{id}/results/artifacts/{path}"] = new("Downloads one artifact, as an attachment with the content type its file " +
                                                          "extension gives (application/octet-stream when unknown). Paths are relative; " +
                                                          "'..' and encoded separators are refused.")
        {
            Errors = [new(400, "The path climbs ('..') or is encoded."), new(404, "No such run, or it has no artifact at that path."), new(410, Expired), RangeOutside],
            Responses = StoredObject(BodyKind.Binary, "The artifact", "application/octet-stream", "*/*"),
            Headers = [RangeHeader, IfNoneMatchHeader],
        },
    };

    private const string ListedWithoutSteps = "Each run comes without `steps` (absent), to keep pages one cheap query: GET /runs/{id} has them. " +
                                              "A pipeline's steps are not runs of their own and are not listed.";

    /// <summary>Descriptions of parameters that recur across operations, by name.</summary>
    public static IReadOnlyDictionary<string, string> Parameters { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["name"] = $"The job's name: {Validation.Names.JobNameRule}.",
        ["id"] = "The id (a UUID).",
        ["number"] = "The run's number within its job (1, 2, …).",
        ["key"] = "The secret's name: letters, digits and '_' (it becomes an environment variable); CI and NARWHAL_* are reserved.",
        ["path"] = "The artifact's path as listed, e.g. dist/app.tar.gz.",
        ["cursor"] = "nextCursor of the previous page; omit for the first page.",
        ["limit"] = "Items per page, 1-100 (default 20).",
        ["status"] = $"Only runs with this status: {string.Join(", ", RunStatusNames.All)}.",
        ["branch"] = "Only runs of this branch.",
        ["job"] = "Only runs of this job.",
        ["follow"] = "true: stream the log as Server-Sent Events until the run ends.",
        ["Idempotency-Key"] = "Up to 200 visible ASCII characters; the same key and body again answers the original run.",
    };
}
