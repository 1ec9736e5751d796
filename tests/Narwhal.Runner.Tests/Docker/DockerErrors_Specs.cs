using System.Net;
using Docker.DotNet.Models;
using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Locks in how the engine's error answers become exceptions (see the table in <see cref="DockerErrors"/>).</summary>
[TestFixture]
public sealed class When_classifying_docker_engine_answers
{
    [Test]
    public void Should_turn_a_create_404_no_such_image_into_image_unavailable()
    {
        var error = DockerErrors.FromAnswer(HttpStatusCode.NotFound, "No such image: local/x:1", DockerOperations.CreateContainer, "local/x:1");

        Assert.That(error, Is.InstanceOf<ImageUnavailableException>());
        Assert.That(((ImageUnavailableException)error).Image, Is.EqualTo("local/x:1"));
        Assert.That(error.Message, Does.Contain("local/x:1").And.Contain("No such image"));
    }

    [Test]
    public void Should_turn_any_failed_pull_into_image_unavailable()
    {
        var error = DockerErrors.FromAnswer(HttpStatusCode.InternalServerError, "Get https://registry-1.docker.io/v2/: dial tcp: lookup failed",
            DockerOperations.PullImage, "busybox:latest");

        Assert.That(error, Is.InstanceOf<ImageUnavailableException>());
        Assert.That(error.Message, Does.Contain("busybox:latest").And.Contain("lookup failed"));
    }

    [Test]
    public void Should_turn_other_answers_into_engine_errors_with_status_message_and_operation()
    {
        var error = DockerErrors.FromAnswer(HttpStatusCode.Conflict, "Conflict. The container name \"/x\" is already in use",
            DockerOperations.CreateContainer, "local/busybox:1");

        Assert.That(error, Is.InstanceOf<DockerEngineException>());
        var engineError = (DockerEngineException)error;
        Assert.Multiple(() =>
        {
            Assert.That(engineError.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(engineError.Operation, Is.EqualTo(DockerOperations.CreateContainer));
            Assert.That(engineError.EngineMessage, Does.Contain("already in use"));
        });
    }

    [TestCase("{\"message\":\"No such container: abc\"}", "No such container: abc")]
    [TestCase("page not found\n", "page not found")]
    [TestCase("", "(empty answer)")]
    public void Should_read_the_engine_message_from_the_body(string body, string message)
    {
        Assert.That(DockerErrors.EngineMessage(body), Is.EqualTo(message));
    }

    [TestCase(null, null)]
    [TestCase("manifest unknown", "manifest unknown")]
    [TestCase("", null)]
    public void Should_find_errors_in_the_pull_progress_stream(string? detail, string? error)
    {
        var message = new JSONMessage { Status = "Pulling from library/busybox", Error = detail is null ? null : new JSONError { Message = detail } };
        Assert.That(DockerErrors.PullStreamError(message), Is.EqualTo(error));
    }

    [TestCase("Network with name run-42 (id : 7f4f) already exists", true)]
    [TestCase("", false)]
    [TestCase(null, false)]
    public void Should_tell_a_duplicate_network_from_its_creation_warning(string? warning, bool duplicate)
    {
        Assert.That(DockerErrors.IsDuplicateNetworkWarning(warning), Is.EqualTo(duplicate));
    }

    [Test]
    public void Should_tell_a_missing_container_from_a_missing_path()
    {
        Assert.That(DockerErrors.IsNoSuchContainer(HttpStatusCode.NotFound, "No such container: abc"), Is.True);
        Assert.That(DockerErrors.IsNoSuchContainer(HttpStatusCode.NotFound, "Could not find the file /x in container abc"), Is.False);
        Assert.That(DockerErrors.IsNoSuchContainer(HttpStatusCode.InternalServerError, "No such container: abc"), Is.False);
    }

    [TestCase(HttpStatusCode.BadRequest, "dockerfile parse error line 1: unknown instruction: FROMM", true)]
    [TestCase(HttpStatusCode.InternalServerError, "Cannot locate specified Dockerfile: ci/Dockerfile", true)]
    [TestCase(HttpStatusCode.InternalServerError, "write /var/lib/docker/tmp/x: no space left on device", false)]
    [TestCase(HttpStatusCode.NotFound, "page not found", false)]
    public void Should_fail_the_build_only_when_the_engine_rejects_its_content(HttpStatusCode status, string message, bool rejection)
    {
        Assert.That(DockerErrors.IsBuildRejection(status, message), Is.EqualTo(rejection));
    }

    [Test]
    public void Should_treat_a_concurrent_removal_as_in_progress_only_on_409()
    {
        Assert.That(DockerErrors.IsRemovalInProgress(HttpStatusCode.Conflict, "removal of container abc is already in progress"), Is.True);
        Assert.That(DockerErrors.IsRemovalInProgress(HttpStatusCode.Conflict, "You cannot remove a running container"), Is.False);
        Assert.That(DockerErrors.IsRemovalInProgress(HttpStatusCode.InternalServerError, "already in progress"), Is.False);
    }
}
