using Narwhal.Api.Dtos;
using Narwhal.Api.Tests.Support;
using Narwhal.Api.Validation;
using Narwhal.Core.Jobs;
using Narwhal.Core.Persistence;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.JobRequests;

namespace Narwhal.Api.Tests.Validation;

/// <summary>PUT /jobs bodies: every wrong field is named, and a valid body becomes a canonical spec.</summary>
[TestFixture]
public sealed class JobRequestValidator_Specs
{
    private static readonly string[] Classes = ["small", "large"];

    private static IDictionary<string, string[]> ErrorsOf(JobRequest request, string name = "job") =>
        JobRequestValidator.Validate(name, request, Classes).Errors.ToDictionary();

    private static JobSpec SpecOf(JobRequest request, string name = "job")
    {
        var (spec, errors) = JobRequestValidator.Validate(name, request, Classes);
        Assert.That(spec, Is.Not.Null, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return spec!;
    }

    [Test]
    public void When_the_type_is_missing_Should_name_the_type_field()
    {
        var (spec, errors) = JobRequestValidator.Validate("job", Freestyle() with { Type = null }, Classes);

        Assert.That(spec, Is.Null);
        Assert.That(errors.ToDictionary(), Does.ContainKey("type"));
    }

    [Test]
    public void When_a_freestyle_job_has_neither_image_nor_script_Should_name_both_fields()
    {
        var errors = ErrorsOf(new JobRequest { Type = JobType.Freestyle });

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "image", "script" }));
    }

    [Test]
    public void When_a_freestyle_script_has_only_blank_commands_Should_refuse_the_script()
    {
        Assert.That(ErrorsOf(Freestyle() with { Script = ["  ", ""] }), Does.ContainKey("script"));
    }

    [Test]
    public void When_a_git_job_has_no_git_source_Should_name_the_git_field()
    {
        Assert.That(ErrorsOf(new JobRequest { Type = JobType.Git }), Does.ContainKey("git"));
    }

    [Test]
    public void When_a_git_source_has_no_url_Should_name_git_url()
    {
        var errors = ErrorsOf(new JobRequest { Type = JobType.Git, Git = new GitSourceRequest() });

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "git.url" }));
    }

    [TestCase("https://alice:s3cret@git.example.com/repo.git")]
    [TestCase("https://token@git.example.com/repo.git")]
    [TestCase("ssh://git:pw@git.example.com/repo.git")]
    public void When_the_clone_url_carries_credentials_Should_refuse_it(string url)
    {
        var errors = ErrorsOf(Git(url));

        Assert.That(errors, Does.ContainKey("git.url"));
        Assert.That(errors["git.url"].Single(), Does.Contain("Credentials"));
    }

    [TestCase("https://git.example.com/repo.git")]
    [TestCase("git@github.com:org/repo.git")]
    [TestCase("file:///srv/git/repo")]
    public void When_the_clone_url_has_no_credentials_Should_accept_it(string url)
    {
        Assert.That(SpecOf(Git(url)).Git!.Url, Is.EqualTo(url));
    }

    [Test]
    public void When_the_resource_class_is_unknown_Should_name_the_configured_classes()
    {
        var errors = ErrorsOf(Freestyle() with { ResourceClass = "huge" });

        Assert.That(errors, Does.ContainKey("resourceClass"));
        Assert.That(errors["resourceClass"].Single(), Does.Contain("'huge'").And.Contain("small, large"));
    }

    [TestCase("")]
    [TestCase("-starts-with-dash")]
    [TestCase(".hidden")]
    [TestCase("has space")]
    [TestCase("a/b")]
    [TestCase("ünicode")]
    [TestCase("name?x=1")]
    public void When_the_job_name_is_invalid_Should_name_the_name_field(string name)
    {
        var errors = ErrorsOf(Freestyle(), name);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "name" }));
        Assert.That(errors["name"].Single(), Does.Contain(Names.JobNameRule));
    }

    [Test]
    public void When_the_job_name_is_longer_than_100_characters_Should_refuse_it_and_accept_exactly_100()
    {
        Assert.That(ErrorsOf(Freestyle(), new string('a', 101)), Does.ContainKey("name"));
        Assert.That(ErrorsOf(Freestyle(), new string('a', 100)), Is.Empty);
    }

    [TestCase("a")]
    [TestCase("Build.Release_2-x86")]
    [TestCase("9lives")]
    public void When_the_job_name_is_plain_Should_accept_it(string name)
    {
        Assert.That(ErrorsOf(Freestyle(), name), Is.Empty);
    }

    [Test]
    public void When_a_parameter_is_declared_twice_Should_name_the_second_declaration()
    {
        var errors = ErrorsOf(Freestyle().WithParameters(Parameter("TARGET"), Parameter("OTHER"), Parameter("TARGET")));

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "parameters[2].name" }));
        Assert.That(errors["parameters[2].name"].Single(), Does.Contain("declared twice"));
    }

    [TestCase("NARWHAL_RUN_ID")]
    [TestCase("NARWHAL_")]
    [TestCase("CI")]
    public void When_a_parameter_name_is_reserved_for_Narwhal_Should_refuse_it(string name)
    {
        var errors = ErrorsOf(Freestyle().WithParameters(Parameter(name)));

        Assert.That(errors, Does.ContainKey("parameters[0].name"));
        Assert.That(errors["parameters[0].name"].Single(), Does.Contain("reserved"));
    }

    [TestCase("1ST")]
    [TestCase("WITH-DASH")]
    [TestCase("")]
    public void When_a_parameter_name_is_not_an_environment_variable_name_Should_refuse_it(string name)
    {
        Assert.That(ErrorsOf(Freestyle().WithParameters(Parameter(name))), Does.ContainKey("parameters[0].name"));
    }

    [Test]
    public void When_a_required_parameter_has_a_default_Should_refuse_the_default()
    {
        var errors = ErrorsOf(Freestyle().WithParameters(Parameter("TARGET", @default: "prod", required: true)));

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "parameters[0].default" }));
    }

    [TestCase(0)]
    [TestCase(-5)]
    [TestCase(JobRequestValidator.MaxTimeoutSeconds + 1)]
    public void When_the_timeout_is_out_of_range_Should_name_timeoutSeconds(int seconds)
    {
        Assert.That(ErrorsOf(Freestyle() with { TimeoutSeconds = seconds }).Keys, Is.EquivalentTo(new[] { "timeoutSeconds" }));
    }

    [TestCase(1)]
    [TestCase(JobRequestValidator.MaxTimeoutSeconds)]
    public void When_the_timeout_is_at_a_bound_Should_keep_it(int seconds)
    {
        Assert.That(SpecOf(Freestyle() with { TimeoutSeconds = seconds }).TimeoutSeconds, Is.EqualTo(seconds));
    }

    [Test]
    public void When_several_fields_are_wrong_Should_report_every_one_of_them()
    {
        var errors = ErrorsOf(new JobRequest { Type = JobType.Freestyle, ResourceClass = "huge", TimeoutSeconds = 0 }, name: "bad name");

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "name", "resourceClass", "timeoutSeconds", "image", "script" }));
    }

    [Test]
    public void When_a_git_job_leaves_out_optional_settings_Should_fill_in_the_defaults()
    {
        var spec = SpecOf(Git("https://git.example.com/repo.git"));

        Assert.That(spec.Type, Is.EqualTo(JobType.Git));
        Assert.That(spec.Git!.ConfigPath, Is.EqualTo(".narwhal.yml"));
        Assert.That(spec.Git.DefaultBranch, Is.EqualTo("main"));
        Assert.That(spec.ResourceClass, Is.EqualTo("small"), "the first configured class is the default");
        Assert.That(spec.Parameters, Is.Empty);
        Assert.That(spec.Image, Is.Null);
        Assert.That(spec.Script, Is.Null);
    }

    [Test]
    public void When_defaults_are_stated_or_left_out_Should_produce_the_same_stored_json()
    {
        // The canonical spec is what makes a repeated PUT "unchanged": equal meaning, equal bytes.
        var implicitDefaults = SpecOf(Git("https://git.example.com/repo.git"));
        var explicitDefaults = SpecOf(Git("https://git.example.com/repo.git", defaultBranch: "main", configPath: ".narwhal.yml")
            with
        { ResourceClass = "small", Parameters = [], Description = "   " });

        Assert.That(Json.Serialize(explicitDefaults), Is.EqualTo(Json.Serialize(implicitDefaults)));
    }

    [Test]
    public void When_a_git_job_sets_an_image_or_script_Should_refuse_them()
    {
        var errors = ErrorsOf(Git() with { Image = "alpine", Script = ["make"] });

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "image", "script" }));
    }
}
