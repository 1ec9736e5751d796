using Narwhal.Dispatcher.Autoscale;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Autoscale;

/// <summary>NARWHAL_AUTOSCALE and NARWHAL_AUTOSCALE_SLOTS: defaults per configured class, and a clear refusal of anything else.</summary>
[TestFixture]
public sealed class AutoscaleSettings_Specs
{
    [Test]
    public void When_nothing_is_set_Should_give_every_class_0_to_10_runners_of_2_slots()
    {
        var settings = AutoscaleSettings.Parse(["small", "large"], null, null);
        Assert.That(settings.ByClass["small"], Is.EqualTo(new ClassScaling(0, 10, 2)));
        Assert.That(settings.ByClass["large"], Is.EqualTo(new ClassScaling(0, 10, 2)));
    }

    [Test]
    public void When_classes_are_configured_Should_take_their_bounds_and_slots()
    {
        var settings = AutoscaleSettings.Parse(["small", "large"], "small=0:10, large=1:4", "large=3");
        Assert.That(settings.ByClass["small"], Is.EqualTo(new ClassScaling(0, 10, 2)));
        Assert.That(settings.ByClass["large"], Is.EqualTo(new ClassScaling(1, 4, 3)));
    }

    [TestCase("huge=0:4", null, "'huge' is not in NARWHAL_RESOURCE_CLASSES")]
    [TestCase("small=4:1", null, "min:max")]
    [TestCase("small=-1:4", null, "min:max")]
    [TestCase("small=3", null, "min:max")]
    [TestCase("small", null, "not class=value")]
    [TestCase("small=0:1,small=0:2", null, "named twice")]
    [TestCase(null, "small=0", "NARWHAL_AUTOSCALE_SLOTS")]
    [TestCase(null, "small=two", "NARWHAL_AUTOSCALE_SLOTS")]
    public void When_a_setting_is_malformed_Should_refuse_it_naming_the_setting(string? bounds, string? slots, string expected) =>
        Assert.That(() => AutoscaleSettings.Parse(["small"], bounds, slots),
            Throws.InvalidOperationException.With.Message.Contains(expected).And.Message.Contains("NARWHAL_AUTOSCALE"));
}
