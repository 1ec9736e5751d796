using Narwhal.Api.Dtos;
using Narwhal.Api.Validation;
using Narwhal.Core.Jobs;
using Narwhal.Core.Persistence;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.JobRequests;

namespace Narwhal.Api.Tests.Validation;

/// <summary>retry, maxConcurrent and concurrencyGroup in PUT /jobs bodies: ranges, names, and one canonical form.</summary>
[TestFixture]
public sealed class FleetSettingsValidator_Specs
{
    private static readonly string[] Classes = ["small", "large"];

    private static IDictionary<string, string[]> ErrorsOf(JobRequest request) =>
        JobRequestValidator.Validate("job", request, Classes).Errors.ToDictionary();

    private static JobSpec SpecOf(JobRequest request)
    {
        var (spec, errors) = JobRequestValidator.Validate("job", request, Classes);
        Assert.That(spec, Is.Not.Null, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return spec!;
    }

    [TestCase(0)]
    [TestCase(1001)]
    [TestCase(-1)]
    public void When_maxConcurrent_is_outside_1_to_1000_Should_refuse_it(int value)
    {
        Assert.That(ErrorsOf(Freestyle() with { MaxConcurrent = value }), Does.ContainKey("maxConcurrent"));
    }

    [TestCase(-1)]
    [TestCase(11)]
    public void When_retry_onLost_is_outside_0_to_10_Should_refuse_it(int value)
    {
        Assert.That(ErrorsOf(Freestyle() with { Retry = new RetryRequest { OnLost = value } }), Does.ContainKey("retry.onLost"));
    }

    [Test]
    public void When_retry_has_no_onLost_Should_name_the_missing_field()
    {
        Assert.That(ErrorsOf(Freestyle() with { Retry = new RetryRequest() }), Does.ContainKey("retry.onLost"));
    }

    [Test]
    public void When_a_concurrency_group_has_no_maxConcurrent_Should_say_it_needs_one()
    {
        var errors = ErrorsOf(Freestyle() with { ConcurrencyGroup = "deploy-prod" });

        Assert.That(errors["concurrencyGroup"].Single(), Does.Contain("maxConcurrent"));
    }

    [TestCase("")]
    [TestCase("has space")]
    [TestCase("-leading-dash")]
    [TestCase("slash/inside")]
    public void When_a_concurrency_group_is_not_a_plain_name_Should_refuse_it(string group)
    {
        Assert.That(ErrorsOf(Freestyle() with { MaxConcurrent = 1, ConcurrencyGroup = group }), Does.ContainKey("concurrencyGroup"));
    }

    [Test]
    public void When_the_settings_are_valid_Should_keep_them_in_the_spec()
    {
        var spec = SpecOf(Freestyle() with { MaxConcurrent = 2, ConcurrencyGroup = "deploy-prod", Retry = new RetryRequest { OnLost = 3 } });

        Assert.That(spec.MaxConcurrent, Is.EqualTo(2));
        Assert.That(spec.ConcurrencyGroup, Is.EqualTo("deploy-prod"));
        Assert.That(spec.Retry, Is.EqualTo(new RetryPolicy { OnLost = 3 }));
    }

    [Test]
    public void When_retry_onLost_is_0_Should_store_the_same_spec_as_no_retry_at_all()
    {
        Assert.That(Json.Serialize(SpecOf(Freestyle() with { Retry = new RetryRequest { OnLost = 0 } })),
            Is.EqualTo(Json.Serialize(SpecOf(Freestyle()))));
    }

    [Test]
    public void When_no_setting_is_given_Should_write_none_of_them()
    {
        var json = Json.Serialize(SpecOf(Freestyle()));

        Assert.That(json, Does.Not.Contain("retry").And.Not.Contain("maxConcurrent").And.Not.Contain("concurrencyGroup"));
    }
}
