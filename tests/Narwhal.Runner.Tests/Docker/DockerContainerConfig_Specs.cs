using Docker.DotNet.Models;
using Narwhal.Runner.Docker;
using NUnit.Framework;
using ContainerSpec = Narwhal.Runner.Docker.ContainerSpec;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>
/// Locks in the create parameters sent for a job step: the security defaults hold whatever the spec
/// says, limits are applied only when set, and the spec's fields land in Docker's field names.
/// </summary>
[TestFixture]
public sealed class When_mapping_a_container_spec_to_a_create_body
{
    private static ContainerSpec Spec(Func<ContainerSpec, ContainerSpec>? change = null)
    {
        var spec = ContainerSpecs.Shell("job-1-step-2", "local/busybox:1", "echo hi");
        return change is null ? spec : change(spec);
    }

    private static CreateContainerParameters Create(ContainerSpec spec) => DockerContainerConfig.ToCreateParameters(spec);

    private static HostConfig HostConfig(CreateContainerParameters parameters) => parameters.HostConfig!;

    [Test]
    public void Should_apply_the_security_defaults()
    {
        var host = HostConfig(Create(Spec()));

        Assert.Multiple(() =>
        {
            Assert.That(host.Privileged, Is.False);
            Assert.That(host.SecurityOpt, Is.EqualTo(new[] { "no-new-privileges" }));
            Assert.That(host.CapDrop, Is.EqualTo(new[] { "ALL" }));
            Assert.That(host.CapAdd, Is.EquivalentTo(new[]
                { "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "SETGID", "SETUID", "KILL", "NET_BIND_SERVICE" }));
            Assert.That(host.AutoRemove, Is.False);
        });
    }

    [Test]
    public void Should_ask_for_the_engines_init_only_when_the_spec_does()
    {
        Assert.That(HostConfig(Create(Spec(s => s with { Init = true }))).Init, Is.True);
        Assert.That(HostConfig(Create(Spec())).Init, Is.Null);
    }

    [Test]
    public void Should_never_mount_anything_from_the_host()
    {
        var host = HostConfig(Create(Spec()));

        Assert.Multiple(() =>
        {
            Assert.That(host.Binds, Is.Null.Or.Empty);
            Assert.That(host.Mounts, Is.Null.Or.Empty);
            Assert.That(host.VolumesFrom, Is.Null.Or.Empty);
            Assert.That(host.Devices, Is.Null.Or.Empty);
        });
    }

    [Test]
    public void Should_run_without_tty_or_stdin_so_output_stays_multiplexed()
    {
        var body = Create(Spec());

        Assert.Multiple(() =>
        {
            Assert.That(body.Tty, Is.False);
            Assert.That(body.OpenStdin, Is.False);
            Assert.That(body.AttachStdout, Is.True);
            Assert.That(body.AttachStderr, Is.True);
        });
    }

    [Test]
    public void Should_set_the_limits_and_make_swap_equal_to_memory()
    {
        var host = HostConfig(Create(Spec(spec => spec with
        {
            MemoryBytes = 512L * 1024 * 1024,
            NanoCpus = 1_500_000_000,
            PidsLimit = 256,
        })));

        Assert.Multiple(() =>
        {
            Assert.That(host.Memory, Is.EqualTo(512L * 1024 * 1024));
            Assert.That(host.MemorySwap, Is.EqualTo(512L * 1024 * 1024));
            Assert.That(host.NanoCPUs, Is.EqualTo(1_500_000_000));
            Assert.That(host.PidsLimit, Is.EqualTo(256));
        });
    }

    [Test]
    public void Should_leave_limits_unset_when_they_are_zero()
    {
        var host = HostConfig(Create(Spec()));

        // 0, null and "" are the engine's "unlimited" and "default network".
        Assert.Multiple(() =>
        {
            Assert.That(host.Memory, Is.Zero);
            Assert.That(host.MemorySwap, Is.Zero);
            Assert.That(host.NanoCPUs, Is.Zero);
            Assert.That(host.PidsLimit, Is.Null);
            Assert.That(host.NetworkMode, Is.Empty);
        });
    }

    [Test]
    public void Should_reject_negative_limits()
    {
        Assert.Throws<ArgumentException>(() => Create(Spec(spec => spec with { MemoryBytes = -1 })));
    }

    [Test]
    public void Should_write_the_environment_as_KEY_equals_VALUE()
    {
        var body = Create(Spec(spec => spec with
        {
            Environment = new Dictionary<string, string> { ["CI"] = "true", ["EMPTY"] = "", ["WITH_EQUALS"] = "a=b c" },
        }));

        Assert.That(body.Env, Is.EqualTo(new[] { "CI=true", "EMPTY=", "WITH_EQUALS=a=b c" }));
    }

    [Test]
    public void Should_reject_an_environment_name_containing_equals()
    {
        Assert.Throws<ArgumentException>(() => Create(Spec(spec => spec with
        {
            Environment = new Dictionary<string, string> { ["A=B"] = "x" },
        })));
    }

    [Test]
    public void Should_carry_image_command_labels_and_optional_fields()
    {
        var body = Create(Spec(spec => spec with
        {
            Entrypoint = ["/bin/entry"],
            Labels = new Dictionary<string, string> { ["narwhal.instance"] = "ci", ["narwhal.run"] = "42" },
            WorkingDirectory = "/workspace",
            User = "1000:1000",
            NetworkMode = "none",
        }));

        Assert.Multiple(() =>
        {
            Assert.That(body.Image, Is.EqualTo("local/busybox:1"));
            Assert.That(body.Cmd, Is.EqualTo(new[] { "/bin/sh", "-c", "echo hi" }));
            Assert.That(body.Entrypoint, Is.EqualTo(new[] { "/bin/entry" }));
            Assert.That(body.Labels!["narwhal.instance"], Is.EqualTo("ci"));
            Assert.That(body.Labels!["narwhal.run"], Is.EqualTo("42"));
            Assert.That(body.WorkingDir, Is.EqualTo("/workspace"));
            Assert.That(body.User, Is.EqualTo("1000:1000"));
            Assert.That(HostConfig(body).NetworkMode, Is.EqualTo("none"));
        });
    }

    [Test]
    public void Should_keep_the_image_defaults_when_optional_fields_are_null()
    {
        var body = Create(Spec());

        Assert.Multiple(() =>
        {
            Assert.That(body.Entrypoint, Is.Null);
            Assert.That(body.WorkingDir, Is.Empty);
            Assert.That(body.User, Is.Empty);
        });
    }

    [Test]
    public void Should_put_the_aliases_on_the_endpoint_of_the_run_network_and_set_the_hostname()
    {
        var body = Create(Spec(spec => spec with
        {
            NetworkMode = "narwhal-run-42",
            NetworkAliases = ["postgres", "db"],
            Hostname = "db-host",
        }));

        Assert.Multiple(() =>
        {
            Assert.That(HostConfig(body).NetworkMode, Is.EqualTo("narwhal-run-42"));
            Assert.That(body.NetworkingConfig!.EndpointsConfig!.Keys, Is.EqualTo(new[] { "narwhal-run-42" }));
            Assert.That(body.NetworkingConfig!.EndpointsConfig!["narwhal-run-42"].Aliases, Is.EqualTo(new[] { "postgres", "db" }));
            Assert.That(body.Hostname, Is.EqualTo("db-host"));
        });
    }

    [Test]
    public void Should_leave_networking_config_and_hostname_out_when_unset()
    {
        var body = Create(Spec(spec => spec with { NetworkMode = "narwhal-run-42", NetworkAliases = [] }));

        Assert.That(body.NetworkingConfig, Is.Null);
        Assert.That(body.Hostname, Is.Empty);
    }

    [TestCase(null)]
    [TestCase("bridge")]
    [TestCase("host")]
    [TestCase("none")]
    [TestCase("default")]
    [TestCase("container:abc")]
    public void Should_reject_aliases_without_a_user_defined_network(string? networkMode)
    {
        Assert.Throws<ArgumentException>(() => Create(Spec(spec => spec with
        {
            NetworkMode = networkMode,
            NetworkAliases = ["web"],
        })));
    }

    [Test]
    public void Should_reject_an_empty_alias()
    {
        Assert.Throws<ArgumentException>(() => Create(Spec(spec => spec with
        {
            NetworkMode = "narwhal-run-42",
            NetworkAliases = ["web", " "],
        })));
    }

    [Test]
    public void Should_carry_the_container_name()
    {
        Assert.That(Create(Spec(spec => spec with { Name = "job-1-step-3" })).Name, Is.EqualTo("job-1-step-3"));
    }
}
