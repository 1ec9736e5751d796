using System.Net;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Runs;
using Narwhal.Ui.Tests.Support;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.SeedStep;

namespace Narwhal.Ui.Tests.Server;

/// <summary>
/// An approval gate on its run's page: the prompt and a form of its fields with Approve and Reject for a token among its
/// approvers only; approving through the form (antiforgery as every form) records the inputs, which the page then shows.
/// </summary>
[TestFixture]
public sealed class GatePages_Specs : StackFixture
{
    private const string Gate = """{ "prompt": "Deploy to production?", "fields": [{ "name": "REGION", "options": ["eu", "us"], "default": "us" }] }""";
    private string _triggerSecret = null!;
    private PipelineSeeder Seeder => new(Stack.Database.DataSource);

    [OneTimeSetUp]
    public async Task Start() => _triggerSecret = (await Tokens.CreateAsync(Client, "developer", "trigger")).Secret;

    private async Task<Guid> GatedAsync(string job)
    {
        var id = await Seeder.PlannedRunAsync(Client, job, Step("build"), Step("approve", "build") with { Block = Gate }, Step("deploy", "approve"));
        await Seeder.FinishAsync(id, "build", RunStatus.Succeeded);
        return id;
    }

    [Test]
    public async Task When_a_gate_waits_Should_offer_its_form_to_an_approver_only()
    {
        var id = await GatedAsync("gate-form");
        using var admin = await UiSession.SignInAsync(Stack.ApiUrl, Narwhal.Testing.TestStack.AdminToken);
        using var developer = await UiSession.SignInAsync(Stack.ApiUrl, _triggerSecret);

        var approver = await admin.GetHtmlAsync($"/ui/runs/{id}?step=approve");
        var other = await developer.GetHtmlAsync($"/ui/runs/{id}?step=approve");

        Assert.That(approver, Does.Contain("Deploy to production?").And.Contain("handler=Approve").And.Contain("handler=Reject"));
        Assert.That(approver, Does.Contain("name=\"field.REGION\"").And.Contain("<option value=\"us\" selected=\"selected\">us</option>"));
        Assert.That(other, Does.Contain("Deploy to production?").And.Not.Contain("handler=Approve"));
        Assert.That(other, Does.Contain("Waiting for approval by tokens with scope admin."));
    }

    [Test]
    public async Task When_approved_from_the_page_Should_release_deploy_and_show_who_decided_with_the_inputs()
    {
        var id = await GatedAsync("gate-approve");
        using var admin = await UiSession.SignInAsync(Stack.ApiUrl, Narwhal.Testing.TestStack.AdminToken);

        var response = await admin.PostFormAsync($"/ui/runs/{id}?handler=Approve", new() { ["key"] = "approve", ["field.REGION"] = "eu" },
            formPage: $"/ui/runs/{id}?step=approve");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await Seeder.StepStatusAsync(id, "deploy"), Is.EqualTo(RunStatus.Queued));
        var html = await admin.GetHtmlAsync($"/ui/runs/{id}?step=approve");
        Assert.That(html, Does.Contain("approved by bootstrap-admin").And.Contain("<code>eu</code>"));
    }

    [Test]
    public async Task When_a_non_approver_posts_a_rejection_anyway_Should_change_nothing()
    {
        var id = await GatedAsync("gate-refused");
        using var developer = await UiSession.SignInAsync(Stack.ApiUrl, _triggerSecret);

        await developer.PostFormAsync($"/ui/runs/{id}?handler=Reject", new() { ["key"] = "approve" }, formPage: $"/ui/runs/{id}?step=approve");

        Assert.That(await Seeder.StepStatusAsync(id, "approve"), Is.EqualTo(RunStatus.Waiting));
    }
}
