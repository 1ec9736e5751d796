using System.Net;
using System.Net.Http.Json;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Persistence;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Input;

/// <summary>
/// Odd and hostile input against a real Api and Postgres: U+0000 anywhere (body, query, route), duplicate keys,
/// strings for numbers, unknown fields, image references that are options, floods of parameters. Each one is a
/// 400 problem+json naming the field — never a 500, never a silent "last key wins", never a .NET type name.
/// </summary>
[TestFixture]
public sealed class HostileInput_Specs : StackFixture
{
    private const string Nul = "\u0000";

    [OneTimeSetUp]
    public async Task Start()
    {
        foreach (var job in new[] { "target", "nul-target", "flood-target" })
            await Client.CreateJobAsync(job, JobRequests.Freestyle("echo hi").WithParameters(JobRequests.Parameter("WHO", "world")));
    }

    private static string FreestyleJson(string extra = "") =>
        $$"""{"type":"freestyle","image":"{{TestEnvironment.BusyboxImage}}","script":["echo hi"]{{extra}}}""";

    private async Task ShouldBeRefusedNamingAsync(HttpResponseMessage response, string field, string? inMessage = null)
    {
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.Errors();
        Assert.That(errors.Keys, Does.Contain(field), problem.ToString());
        if (inMessage is not null) Assert.That(errors[field].Single(), Does.Contain(inMessage));
        Assert.That(problem.ToString(), Does.Not.Contain("Narwhal.").And.Not.Contain("System."), "no .NET type names");
    }

    private Task<long> RunCountAsync(string job) =>
        Stack.Database.ScalarAsync<long>("SELECT count(*) FROM runs WHERE job_name = @job", new { job });

    private Task<long> JobCountAsync(string name) =>
        Stack.Database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE name = @name", new { name });

    [TestCase("description", ""","description":"a\u0000b" """)]
    [TestCase("script[1]", null)]
    [TestCase("parameters[0].default", ""","parameters":[{"name":"P","default":"x\u0000"}]""")]
    [TestCase("parameters[0].name", ""","parameters":[{"name":"P\u0000"}]""")]
    public async Task When_a_job_body_holds_a_NUL_Should_answer_400_naming_the_field_and_store_nothing(string field, string? extra)
    {
        var json = extra is null
            ? $$"""{"type":"freestyle","image":"{{TestEnvironment.BusyboxImage}}","script":["echo hi","echo \u0000"]}"""
            : FreestyleJson(extra.Trim());

        var response = await Client.PutJsonTextAsync("/jobs/nul-job", json);

        await ShouldBeRefusedNamingAsync(response, field, "U+0000");
        Assert.That(await JobCountAsync("nul-job"), Is.Zero);
    }

    [Test]
    public async Task When_a_trigger_parameter_holds_a_NUL_Should_answer_400_naming_it_and_queue_nothing()
    {
        var response = await Client.PostAsync("/jobs/nul-target/runs", JsonBody("""{"parameters":{"WHO":"a\u0000b"}}"""));

        await ShouldBeRefusedNamingAsync(response, "parameters.WHO", "U+0000");
        Assert.That(await RunCountAsync("nul-target"), Is.Zero);
    }

    [TestCase("/runs?job=a%00b", "job")]
    [TestCase("/runs?branch=main%00", "branch")]
    [TestCase("/jobs/target/runs?branch=x%00y", "branch")]
    public async Task When_a_query_parameter_holds_a_NUL_Should_answer_400_naming_it(string path, string field)
    {
        await ShouldBeRefusedNamingAsync(await Client.GetAsync(path), field, "U+0000");
    }

    [Test]
    public async Task When_a_path_holds_a_NUL_Should_answer_400_never_500()
    {
        // Kestrel itself refuses a NUL in the decoded path, before the pipeline (so without problem+json).
        var response = await Client.GetAsync("/jobs/a%00b");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task When_a_secret_value_holds_a_NUL_Should_answer_400_and_store_nothing()
    {
        var response = await Client.PutAsJsonAsync("/jobs/target/secrets/API_TOKEN", new { value = "abc\u0000defgh" });

        await ShouldBeRefusedNamingAsync(response, "value", "U+0000");
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM job_secrets"), Is.Zero);
    }

    [Test]
    public async Task When_a_key_appears_twice_Should_answer_400_naming_the_key_instead_of_taking_the_last()
    {
        var response = await Client.PutJsonTextAsync("/jobs/dup-key", FreestyleJson(""","image":"alpine:3" """.Trim()));

        await ShouldBeRefusedNamingAsync(response, "image", "Duplicate key 'image'");
        Assert.That(await JobCountAsync("dup-key"), Is.Zero);
    }

    [Test]
    public async Task When_a_trigger_parameter_appears_twice_Should_answer_400_naming_it()
    {
        var response = await Client.PostAsync("/jobs/target/runs", JsonBody("""{"parameters":{"WHO":"a","WHO":"b"}}"""));

        await ShouldBeRefusedNamingAsync(response, "parameters.WHO", "Duplicate key 'WHO'");
    }

    [Test]
    public async Task When_a_number_is_sent_as_a_string_Should_answer_400_naming_the_field()
    {
        var response = await Client.PutJsonTextAsync("/jobs/string-number", FreestyleJson(""","timeoutSeconds":"30" """.Trim()));

        await ShouldBeRefusedNamingAsync(response, "timeoutSeconds", "Expected an integer");
        Assert.That(await JobCountAsync("string-number"), Is.Zero);
    }

    [Test]
    public async Task When_a_field_is_unknown_Should_name_it_by_its_json_path_without_dotnet_type_names()
    {
        var response = await Client.PutJsonTextAsync("/jobs/unknown-field", FreestyleJson(""","retry":{"onLost":1,"foo":2}"""));

        await ShouldBeRefusedNamingAsync(response, "retry.foo", "Unknown field 'foo' at $.retry.foo");
    }

    [Test]
    public async Task When_an_enum_value_is_unknown_Should_list_the_accepted_values()
    {
        var response = await Client.PutJsonTextAsync("/jobs/odd-type", """{"type":"pipeline"}""");

        await ShouldBeRefusedNamingAsync(response, "type", "'freestyle', 'git'");
    }

    [Test]
    public async Task When_a_query_value_has_the_wrong_type_Should_name_the_parameter_without_dotnet_type_names()
    {
        var response = await Client.GetAsync("/jobs?limit=many");

        await ShouldBeRefusedNamingAsync(response, "limit", "'many'");
    }

    [TestCase("--privileged")]
    [TestCase("busybox --privileged")]
    [TestCase("Busybox")]
    [TestCase("busybox:")]
    [TestCase("busybox@sha256:abc")]
    public async Task When_the_image_is_not_a_docker_reference_Should_answer_400_naming_image(string image)
    {
        var response = await Client.PutJobAsync("odd-image", JobRequests.Freestyle() with { Image = image });

        await ShouldBeRefusedNamingAsync(response, "image", "not an image reference");
        Assert.That(await JobCountAsync("odd-image"), Is.Zero);
    }

    [Test]
    public async Task When_a_name_ends_in_a_newline_Should_answer_400_naming_it()
    {
        // .NET's $ matches before a final "\n"; names become environment variables and must end where they seem to.
        var response = await Client.PutJobAsync("newline-name", JobRequests.Freestyle().WithParameters(JobRequests.Parameter("P\n")));

        await ShouldBeRefusedNamingAsync(response, "parameters[0].name", "not a valid parameter name");
        Assert.That(await JobCountAsync("newline-name"), Is.Zero);
    }

    [Test]
    public async Task When_a_job_declares_too_many_parameters_Should_answer_400_with_one_message()
    {
        var parameters = Enumerable.Range(0, 101).Select(i => JobRequests.Parameter($"P{i}")).ToArray();

        var response = await Client.PutJobAsync("many-params", JobRequests.Freestyle().WithParameters(parameters));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Errors().Keys, Is.EqualTo(new[] { "parameters" }));
        Assert.That(problem.Errors()["parameters"].Single(), Does.Contain("At most 100"));
    }

    [Test]
    public async Task When_a_trigger_gives_too_many_parameters_Should_answer_400_with_one_message_and_queue_nothing()
    {
        var flood = Enumerable.Range(0, 10_000).ToDictionary(i => $"P{i}", _ => "x");

        var response = await Client.PostAsJsonAsync("/jobs/flood-target/runs", new { parameters = flood }, Json.Options);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Errors().Keys, Is.EqualTo(new[] { "parameters" }));
        Assert.That(await RunCountAsync("flood-target"), Is.Zero);
    }

    private static StringContent JsonBody(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
