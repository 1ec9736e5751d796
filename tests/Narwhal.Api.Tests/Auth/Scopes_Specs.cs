using Narwhal.Api.Auth;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Auth;

/// <summary>Scopes nest (admin ⊇ trigger ⊇ read); the bearer handler grants a token its effective scopes.</summary>
[TestFixture]
public sealed class Scopes_Specs
{
    [Test]
    public void When_a_token_declares_admin_Should_effectively_have_every_scope()
    {
        Assert.That(Scopes.Effective([Scope.Admin]), Is.EquivalentTo(new[] { Scope.Read, Scope.Trigger, Scope.Admin }));
    }

    [Test]
    public void When_a_token_declares_trigger_Should_effectively_have_trigger_and_read_but_not_admin()
    {
        Assert.That(Scopes.Effective([Scope.Trigger]), Is.EquivalentTo(new[] { Scope.Read, Scope.Trigger }));
    }

    [Test]
    public void When_a_token_declares_read_Should_effectively_have_read_only()
    {
        Assert.That(Scopes.Effective([Scope.Read]), Is.EquivalentTo(new[] { Scope.Read }));
    }

    [Test]
    public void When_each_scope_is_compared_Should_each_higher_one_include_every_lower_one()
    {
        var admin = Scopes.Effective([Scope.Admin]);
        var trigger = Scopes.Effective([Scope.Trigger]);
        var read = Scopes.Effective([Scope.Read]);

        Assert.That(admin.IsSupersetOf(trigger) && trigger.IsSupersetOf(read), Is.True);
        Assert.That(admin.SetEquals(trigger) || trigger.SetEquals(read), Is.False, "each level adds something");
    }

    [Test]
    public void When_a_token_declares_several_scopes_Should_be_governed_by_the_highest()
    {
        Assert.That(Scopes.Effective([Scope.Read, Scope.Admin]), Is.EquivalentTo(new[] { Scope.Read, Scope.Trigger, Scope.Admin }));
    }

    [TestCase("read", Scope.Read)]
    [TestCase("trigger", Scope.Trigger)]
    [TestCase("admin", Scope.Admin)]
    public void When_a_scope_name_is_parsed_Should_round_trip(string name, Scope scope)
    {
        Assert.That(Scopes.TryParse(name, out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(scope));
        Assert.That(scope.Name(), Is.EqualTo(name));
    }

    [TestCase("Admin")]
    [TestCase("write")]
    [TestCase("")]
    [TestCase(null)]
    public void When_a_scope_name_is_unknown_Should_not_parse(string? name)
    {
        Assert.That(Scopes.TryParse(name, out _), Is.False);
    }
}
