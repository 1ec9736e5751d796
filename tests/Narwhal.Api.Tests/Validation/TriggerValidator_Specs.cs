using Narwhal.Api.Dtos;
using Narwhal.Api.Validation;
using Narwhal.Core.Jobs;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.JobSpecs;

namespace Narwhal.Api.Tests.Validation;

/// <summary>POST /jobs/{name}/runs bodies checked against the job: source, parameters and the idempotency hash.</summary>
[TestFixture]
public sealed class TriggerValidator_Specs
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";

    private static ResolvedTrigger Resolve(JobSpec job, TriggerRequest request)
    {
        var (trigger, errors) = TriggerValidator.Validate(job, request);
        Assert.That(trigger, Is.Not.Null, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return trigger!;
    }

    private static IDictionary<string, string[]> ErrorsOf(JobSpec job, TriggerRequest request)
    {
        var (trigger, errors) = TriggerValidator.Validate(job, request);
        Assert.That(trigger, Is.Null, "the trigger was accepted");
        return errors.ToDictionary();
    }

    private static Dictionary<string, string> Values(params (string Name, string Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    [Test]
    public void When_a_freestyle_job_gets_a_commit_or_a_branch_Should_refuse_each()
    {
        Assert.That(ErrorsOf(Freestyle(), new TriggerRequest { CommitSha = Sha }).Keys, Is.EquivalentTo(new[] { "commitSha" }));
        Assert.That(ErrorsOf(Freestyle(), new TriggerRequest { BranchName = "main" }).Keys, Is.EquivalentTo(new[] { "branchName" }));
    }

    [Test]
    public void When_a_freestyle_job_gets_an_empty_request_Should_resolve_without_source()
    {
        var trigger = Resolve(Freestyle(), new TriggerRequest());

        Assert.That(trigger.CommitSha, Is.Null);
        Assert.That(trigger.Branch, Is.Null);
        Assert.That(trigger.Parameters, Is.Empty);
    }

    [Test]
    public void When_a_git_trigger_gives_both_commit_and_branch_Should_refuse_it()
    {
        var errors = ErrorsOf(Git(), new TriggerRequest { CommitSha = Sha, BranchName = "main" });

        Assert.That(errors, Does.ContainKey("commitSha"));
        Assert.That(errors["commitSha"].Single(), Does.Contain("not both"));
    }

    [Test]
    public void When_a_git_trigger_gives_neither_commit_nor_branch_Should_use_the_jobs_default_branch()
    {
        var trigger = Resolve(Git(defaultBranch: "trunk"), new TriggerRequest());

        Assert.That(trigger.Branch, Is.EqualTo("trunk"));
        Assert.That(trigger.CommitSha, Is.Null);
    }

    [Test]
    public void When_a_git_trigger_names_a_branch_Should_use_that_branch()
    {
        Assert.That(Resolve(Git(), new TriggerRequest { BranchName = "feature/x" }).Branch, Is.EqualTo("feature/x"));
    }

    [Test]
    public void When_the_commit_is_40_hex_digits_in_uppercase_Should_store_it_lowercased()
    {
        var trigger = Resolve(Git(), new TriggerRequest { CommitSha = Sha.ToUpperInvariant() });

        Assert.That(trigger.CommitSha, Is.EqualTo(Sha));
        Assert.That(trigger.Branch, Is.Null);
    }

    [TestCase("0123abc")]
    [TestCase("0123456789abcdef0123456789abcdef0123456")]
    [TestCase("0123456789abcdef0123456789abcdef012345678")]
    [TestCase("g123456789abcdef0123456789abcdef01234567")]
    public void When_the_commit_is_not_a_full_hex_sha_Should_refuse_it(string sha)
    {
        Assert.That(ErrorsOf(Git(), new TriggerRequest { CommitSha = sha }).Keys, Is.EquivalentTo(new[] { "commitSha" }));
    }

    [Test]
    public void When_the_branch_name_is_invalid_Should_refuse_it()
    {
        Assert.That(ErrorsOf(Git(), new TriggerRequest { BranchName = "bad..branch" }).Keys, Is.EquivalentTo(new[] { "branchName" }));
    }

    [Test]
    public void When_a_parameter_is_not_declared_Should_name_it_and_list_the_declared_ones()
    {
        var errors = ErrorsOf(Freestyle(Declared("TARGET", "dev")), new TriggerRequest { Parameters = Values(("TARGTE", "prod")) });

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "parameters.TARGTE" }));
        Assert.That(errors["parameters.TARGTE"].Single(), Does.Contain("'TARGTE'").And.Contain("TARGET"));
    }

    [Test]
    public void When_a_required_parameter_is_missing_Should_name_it()
    {
        var errors = ErrorsOf(Freestyle(Declared("TARGET", required: true)), new TriggerRequest());

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "parameters.TARGET" }));
        Assert.That(errors["parameters.TARGET"].Single(), Does.Contain("Required"));
    }

    [Test]
    public void When_an_optional_parameter_is_not_given_Should_fill_in_its_default_and_keep_given_values()
    {
        var job = Freestyle(Declared("TARGET", "dev"), Declared("VERBOSE", "0"), Declared("NO_DEFAULT"));

        var trigger = Resolve(job, new TriggerRequest { Parameters = Values(("VERBOSE", "1")) });

        Assert.That(trigger.Parameters, Is.EquivalentTo(new Dictionary<string, string> { ["TARGET"] = "dev", ["VERBOSE"] = "1" }));
    }

    [Test]
    public void When_a_parameter_value_is_too_long_Should_refuse_it()
    {
        var value = new string('x', TriggerValidator.MaxParameterValueLength + 1);

        Assert.That(ErrorsOf(Freestyle(Declared("BLOB")), new TriggerRequest { Parameters = Values(("BLOB", value)) }).Keys,
            Is.EquivalentTo(new[] { "parameters.BLOB" }));
    }

    [Test]
    public void When_a_parameter_value_holds_a_NUL_Should_refuse_it_whatever_read_the_request()
    {
        // The web UI builds the request from a form, where no JSON reader stands in between.
        Assert.That(ErrorsOf(Freestyle(Declared("WHO")), new TriggerRequest { Parameters = Values(("WHO", "a\0b")) })["parameters.WHO"].Single(),
            Does.Contain("U+0000"));
    }

    [Test]
    public void When_more_parameters_are_given_than_a_job_may_declare_Should_refuse_them_in_one_message()
    {
        var flood = Enumerable.Range(0, JobRequestValidator.MaxParameters + 1).Select(i => ($"P{i}", "x")).ToArray();

        Assert.That(ErrorsOf(Freestyle(Declared("P0")), new TriggerRequest { Parameters = Values(flood) }).Keys, Is.EqualTo(new[] { "parameters" }));
    }

    [Test]
    public void When_the_same_body_is_sent_twice_Should_hash_it_the_same_whatever_the_parameter_order()
    {
        var job = Freestyle(Declared("A"), Declared("B"));
        var first = Resolve(job, new TriggerRequest { Parameters = Values(("A", "1"), ("B", "2")) });
        var second = Resolve(job, new TriggerRequest { Parameters = Values(("B", "2"), ("A", "1")) });

        Assert.That(second.RequestHash, Is.EqualTo(first.RequestHash));
        Assert.That(first.RequestHash, Does.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public void When_parameters_differ_Should_hash_differently()
    {
        var job = Freestyle(Declared("A"), Declared("B", "x"));
        var hashes = new[]
        {
            Resolve(job, new TriggerRequest { Parameters = Values(("A", "1")) }).RequestHash,
            Resolve(job, new TriggerRequest { Parameters = Values(("A", "2")) }).RequestHash,
            Resolve(job, new TriggerRequest { Parameters = Values(("A", "1"), ("B", "x")) }).RequestHash,
            Resolve(job, new TriggerRequest()).RequestHash,
        };

        Assert.That(hashes, Is.Unique);
    }

    [Test]
    public void When_the_source_differs_Should_hash_differently()
    {
        var job = Git();

        Assert.That(new[]
        {
            Resolve(job, new TriggerRequest()).RequestHash,
            Resolve(job, new TriggerRequest { BranchName = "main" }).RequestHash,
            Resolve(job, new TriggerRequest { CommitSha = Sha }).RequestHash,
        }, Is.Unique);
    }
}
