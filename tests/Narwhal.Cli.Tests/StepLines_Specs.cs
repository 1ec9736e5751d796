using System.Text.Json;
using Narwhal.Cli.Following;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>How a followed pipeline says what each step did, from the step as GET /runs/{id} lists it.</summary>
[TestFixture]
public sealed class StepLines_Specs
{
    private static JsonElement Step(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static string Line(string json, bool runnerShown = true)
    {
        var step = Step(json);
        return $"{StepLines.Label(step)} {StepLines.Describe(step, runnerShown)}";
    }

    [Test]
    public void A_waiting_step_Should_name_its_needs_and_a_when_other_than_success() =>
        Assert.That(Line("""{ "key": "notify", "status": "waiting", "attempt": 1, "needs": ["test", "lint"], "when": "failure" }"""),
            Is.EqualTo("[notify] waiting for test, lint (when: failure)"));

    [Test]
    public void A_held_step_Should_say_what_holds_it() =>
        Assert.That(Line("""{ "key": "deploy", "status": "queued", "attempt": 1, "held": true, "waitingFor": "concurrency group 'prod'" }"""),
            Is.EqualTo("[deploy] queued, held by concurrency group 'prod'"));

    [Test]
    public void A_running_step_Should_name_its_runner() =>
        Assert.That(Line("""{ "key": "build", "status": "running", "attempt": 1, "runnerId": "runner-1", "startedAt": "2026-01-01T10:00:00Z" }"""),
            Is.EqualTo("[build] running on runner-1"));

    [Test]
    public void A_step_that_ended_Should_say_how_long_it_took_and_name_its_runner_only_if_not_said_before()
    {
        const string step = """
            { "key": "test-a", "status": "succeeded", "attempt": 1, "runnerId": "runner-2", "exitCode": 0,
              "startedAt": "2026-01-01T10:00:00Z", "finishedAt": "2026-01-01T10:00:03.2Z" }
            """;
        Assert.That(Line(step), Is.EqualTo("[test-a] succeeded in 3.2s"));
        Assert.That(Line(step, runnerShown: false), Is.EqualTo("[test-a] succeeded in 3.2s on runner-2"), "ran between two looks");
    }

    [Test]
    public void A_failed_retry_Should_show_its_attempt_exit_code_and_reason() =>
        Assert.That(Line("""
            { "key": "test", "status": "failed", "attempt": 2, "exitCode": 1, "statusReason": "Script exited with 1.",
              "allowFailure": true, "startedAt": "2026-01-01T10:00:00Z", "finishedAt": "2026-01-01T10:01:05Z" }
            """), Is.EqualTo("[test #2] failed (exit code 1) after 1m05s (allowed to fail): Script exited with 1."));

    [Test]
    public void A_skipped_step_Should_say_why() =>
        Assert.That(Line("""{ "key": "deploy", "status": "skipped", "attempt": 1, "statusReason": "Step 'test' it needs did not succeed." }"""),
            Is.EqualTo("[deploy] skipped: Step 'test' it needs did not succeed."));

    [Test]
    public void Lines_behind_a_prefix_Should_keep_a_missing_last_newline_out() =>
        Assert.That(RunSteps.Prefixed("[a]", "one\r\ntwo\n\nthree"), Is.EqualTo("[a] one\n[a] two\n[a]\n[a] three\n"));
}
