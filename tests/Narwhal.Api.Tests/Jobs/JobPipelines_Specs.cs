using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Narwhal.Api.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Jobs;

/// <summary>
/// Freestyle pipelines as infrastructure-as-code: PUT /jobs/{name} with <c>steps</c> (an ordered object) stores them,
/// GET gives them back in the shape PUT takes, the same body again is unchanged, and every mistake is a problem
/// naming its field, with nothing stored.
/// </summary>
[TestFixture]
public sealed class JobPipelines_Specs : StackFixture
{
    // Keys deliberately out of alphabetical order: the order written is the pipeline's order.
    private static string Pipeline(string image) => $$"""
        {
          "type": "freestyle", "image": "{{image}}", "script": ["echo default"], "env": { "A": "1" }, "failFast": true,
          "steps": {
            "build": { "script": ["make"], "env": { "B": "2" } },
            "test": { "needs": ["build"], "resourceClass": "large", "retry": { "onLost": 1 },
                      "matrix": { "axes": { "OS": ["bookworm", "alpine"], "NODE": ["20", "18"] }, "exclude": [{ "OS": "alpine", "NODE": "18" }] } },
            "zlint": { "needs": [{ "step": "build", "artifacts": false }], "allowFailure": true },
            "deploy": { "needs": ["test", "zlint"], "when": "always", "concurrencyGroup": "prod", "timeoutSeconds": 60 },
            "a-notify": { "needs": ["deploy"], "when": "failure", "image": "alpine:3" }
          }
        }
        """;

    private Task<HttpResponseMessage> PutAsync(string name, string json) => Client.PutJsonTextAsync($"/jobs/{name}", json);

    [Test]
    public async Task When_a_pipeline_is_put_Should_store_its_steps_in_the_order_written_and_give_them_back_in_the_same_shape()
    {
        var created = await PutAsync("pipeline-job", Pipeline(TestEnvironment.BusyboxImage));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());

        var job = await Client.GetJsonAsync("/jobs/pipeline-job");

        var steps = job.GetProperty("steps");
        Assert.That(steps.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "build", "test", "zlint", "deploy", "a-notify" }));
        Assert.That(steps.GetProperty("test").GetProperty("needs")[0].GetString(), Is.EqualTo("build"));
        var optOut = steps.GetProperty("zlint").GetProperty("needs")[0];
        Assert.That((optOut.Str("step"), optOut.GetProperty("artifacts").GetBoolean()), Is.EqualTo(("build", false)));
        Assert.That(steps.GetProperty("deploy").GetProperty("concurrency").GetInt32(), Is.EqualTo(1), "a group's limit defaults to 1");
        Assert.That(steps.GetProperty("deploy").Str("when"), Is.EqualTo("always"));
        Assert.That(steps.GetProperty("build").Str("when"), Is.EqualTo("success"));
        Assert.That(steps.GetProperty("test").GetProperty("retry").GetProperty("onLost").GetInt32(), Is.EqualTo(1));
        Assert.That(steps.GetProperty("build").GetProperty("env").Str("B"), Is.EqualTo("2"));
        var axes = steps.GetProperty("test").GetProperty("matrix").GetProperty("axes");
        Assert.That(axes.EnumerateObject().Select(a => a.Name), Is.EqualTo(new[] { "OS", "NODE" }), "axes keep the order written");
        Assert.That(axes.GetProperty("NODE").EnumerateArray().Select(v => v.GetString()), Is.EqualTo(new[] { "20", "18" }));
        Assert.That(job.GetProperty("env").Str("A"), Is.EqualTo("1"));
        Assert.That(job.GetProperty("failFast").GetBoolean(), Is.True);

        var again = await (await PutAsync("pipeline-job", Pipeline(TestEnvironment.BusyboxImage))).ReadJsonAsync();
        Assert.That(again.Str("outcome"), Is.EqualTo("unchanged"));
        var shown = await (await PutAsync("pipeline-job", AsBody(job))).ReadJsonAsync();
        Assert.That(shown.Str("outcome"), Is.EqualTo("unchanged"), "GET's answer is a body PUT takes, meaning the same job");
    }

    /// <summary>A GET answer as a PUT body: what an infrastructure-as-code tool round-trips.</summary>
    private static string AsBody(JsonElement job)
    {
        var node = JsonNode.Parse(job.GetRawText())!.AsObject();
        foreach (var field in new[] { "name", "createdAt", "updatedAt" }) node.Remove(field);
        return node.ToJsonString();
    }

    [Test]
    public async Task When_a_pipelines_steps_change_Should_name_each_changed_field_and_a_new_order()
    {
        await PutAsync("pipeline-diff", Pipeline(TestEnvironment.BusyboxImage));
        var body = JsonNode.Parse(Pipeline(TestEnvironment.BusyboxImage))!.AsObject();
        body["steps"]!["build"]!["script"] = new JsonArray("make all");
        var reordered = new JsonObject();
        foreach (var key in new[] { "test", "build", "zlint", "deploy", "a-notify" }) reordered[key] = body["steps"]![key]!.DeepClone();
        body["steps"] = reordered;

        var answer = await (await PutAsync("pipeline-diff", body.ToJsonString())).ReadJsonAsync();

        Assert.That(answer.Str("outcome"), Is.EqualTo("updated"));
        var changes = answer.GetProperty("changes").EnumerateArray().ToDictionary(c => c.Str("field"));
        Assert.That(changes.Keys, Is.EquivalentTo(new[] { "steps.build.script", "steps" }));
        Assert.That(changes["steps"].GetProperty("to")[0].GetString(), Is.EqualTo("test"));
    }

    [TestCase("""{ "build": { "script": ["make"] }, "test": { "needs": ["biuld"] } }""", "steps.test.needs[0]", "'biuld'")]
    [TestCase("""{ "a": { "needs": ["b"] }, "b": { "needs": ["a"] } }""", "steps.a", "a → b → a")]
    [TestCase("""{ "bad key": {} }""", "steps.bad key", "not a valid step key")]
    [TestCase("""{ "x": { "image": "" } }""", "steps.x.image", "")]
    [TestCase("""{ "x": { "resourceClass": "huge" } }""", "steps.x.resourceClass", "'huge'")]
    [TestCase("""{ "x": { "concurrency": 2 } }""", "steps.x.concurrency", "concurrencyGroup")]
    [TestCase("""{ "x": { "retry": { "onLost": 11 } } }""", "steps.x.retry.onLost", "")]
    [TestCase("""{ "x": { "when": "failure" } }""", "steps.x", "needs no step")]
    [TestCase("""{ "x": { "env": { "NARWHAL_X": "1" } } }""", "steps.x.env", "reserved")]
    [TestCase("""{}""", "steps", "empty")]
    [TestCase("""{ "x": { "matrix": {} } }""", "steps.x.matrix.axes", "Required")]
    [TestCase("""{ "x": { "matrix": { "axes": { "node-v": ["1"] } } } }""", "steps.x.matrix.axes", "not a matrix variable")]
    [TestCase("""{ "x": { "matrix": { "axes": { "A": ["1", "a b"] } } } }""", "steps.x.matrix.axes.A", "not a matrix value")]
    [TestCase("""{ "x": { "matrix": { "axes": { "A": ["1"] }, "exclude": [{ "B": "1" }] } } }""", "steps.x.matrix.exclude[0]", "not an axis")]
    [TestCase("""{ "x": { "matrix": { "axes": { "A": ["1"] }, "exclude": [{ "A": "1" }] } } }""", "steps.x.matrix", "Every combination is excluded")]
    public async Task When_a_step_is_wrong_Should_answer_400_naming_its_field_and_store_nothing(string steps, string field, string mentions)
    {
        var name = $"bad-steps-{Math.Abs(field.GetHashCode(StringComparison.Ordinal)) % 100000}";
        var body = $$"""{ "type": "freestyle", "image": "{{TestEnvironment.BusyboxImage}}", "script": ["true"], "steps": {{steps}} }""";

        var problem = await (await PutAsync(name, body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(problem.Errors(), Does.ContainKey(field), problem.GetRawText());
        Assert.That(string.Join(" ", problem.Errors()[field]), Does.Contain(mentions));
        Assert.That((await Client.GetAsync($"/jobs/{name}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "nothing stored");
    }

    [TestCase("""{ "x": { "needs": [42] } }""", "steps.x.needs[0]")]
    [TestCase("""{ "x": { "needs": [{ "step": "y", "artefacts": false }] } }""", "steps.x.needs[0]")]
    [TestCase("""{ "x": { "colour": "blue" } }""", "steps.x.colour")]
    [TestCase("""{ "x": { "when": "sometimes" } }""", "steps.x.when")]
    [TestCase("""{ "x": {}, "x": {} }""", "steps.x")]
    public async Task When_a_steps_json_is_malformed_Should_answer_400_naming_its_path(string steps, string field)
    {
        var body = $$"""{ "type": "freestyle", "image": "{{TestEnvironment.BusyboxImage}}", "script": ["true"], "steps": {{steps}} }""";

        var problem = await (await PutAsync("malformed-steps", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(problem.Errors().Keys, Has.Some.StartsWith(field), problem.GetRawText());
    }

    [Test]
    public async Task When_a_pipeline_step_has_no_script_and_the_job_none_either_Should_name_that_step()
    {
        var body = $$"""{ "type": "freestyle", "image": "{{TestEnvironment.BusyboxImage}}", "steps": { "ok": { "script": ["true"] }, "empty": {} } }""";

        var problem = await (await PutAsync("no-script-step", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(problem.Errors().Keys, Is.EqualTo(new[] { "steps.empty.script" }));
    }

    [Test]
    public async Task When_a_git_job_sends_steps_Should_answer_400_as_its_steps_live_in_its_config_file()
    {
        var body = """{ "type": "git", "git": { "url": "https://git.example.com/a.git" }, "steps": { "x": {} }, "failFast": true, "env": { "A": "1" } }""";

        var problem = await (await PutAsync("git-steps", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(problem.Errors().Keys, Is.EquivalentTo(new[] { "steps", "failFast", "env" }));
    }
}
