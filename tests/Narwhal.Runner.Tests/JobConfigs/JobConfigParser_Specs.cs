using Narwhal.Runner.JobConfigs;
using NUnit.Framework;
using static Narwhal.Runner.Tests.JobConfigs.JobConfigFiles;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>Locks in what a valid file becomes: every key typed as documented, defaults where a key is left out.</summary>
[TestFixture]
public sealed class JobConfigParser_Specs
{
    /// <summary>The complete example of docs/job-config.md, read from the docs so that the two cannot drift apart.</summary>
    private static readonly string CompleteExample = DocsExample();

    [Test]
    public void When_the_complete_example_is_parsed_Should_type_every_key()
    {
        var config = Parse(CompleteExample);

        Assert.Multiple(() =>
        {
            Assert.That(config.Image, Is.EqualTo("local/busybox:1"));
            Assert.That(config.Build, Is.Null);
            Assert.That(config.Script, Is.EqualTo(new[] { "sh ci/build.sh", "wget -q -O - http://web:8080/" }));
            Assert.That(config.Env, Is.EqualTo(new Dictionary<string, string>
            { ["GOFLAGS"] = "-mod=vendor", ["RETRIES"] = "3", ["VERBOSE"] = "true" }));
            Assert.That(config.Services.Keys, Is.EqualTo(new[] { "web", "cache" }), "file order");
            Assert.That(config.Timeout, Is.EqualTo(TimeSpan.FromMinutes(90)));
            Assert.That(config.Resources, Is.EqualTo(new ResourcesConfig { Cpus = 2, MemoryBytes = 4L * 1024 * 1024 * 1024 }));
            Assert.That(config.Results.Junit, Is.EqualTo(new[] { "**/TEST-*.xml" }));
            Assert.That(config.Results.Artifacts, Is.EqualTo(new[] { "dist/**" }));
            Assert.That(config.Secrets, Is.EqualTo(new[] { "DB_PASSWORD", "NPM_TOKEN" }));
            Assert.That(config.User, Is.EqualTo("1000:1000"));
        });
    }

    [Test]
    public void When_the_complete_example_is_parsed_Should_type_each_service()
    {
        var services = Parse(CompleteExample).Services;

        var web = services["web"];
        var cache = services["cache"];
        Assert.Multiple(() =>
        {
            Assert.That(web.Image, Is.EqualTo("local/busybox:1"), "an image scripts/images.sh makes: the example runs without a registry");
            Assert.That(web.Build, Is.Null);
            Assert.That(web.Env, Is.EqualTo(new Dictionary<string, string> { ["GREETING"] = "hello" }));
            Assert.That(web.Command, Is.EqualTo(new[] { "sh", "-c", "mkdir -p /www && echo $GREETING > /www/index.html && httpd -f -p 8080 -h /www" }));
            Assert.That(web.Ready, Is.EqualTo("wget -q -O /dev/null http://127.0.0.1:8080/"));
            Assert.That(web.ReadyTimeout, Is.EqualTo(TimeSpan.FromSeconds(90)));

            Assert.That(cache.Image, Is.Null);
            Assert.That(cache.Build!.Dockerfile, Is.EqualTo("docker/cache.Dockerfile"));
            Assert.That(cache.Build.Context, Is.EqualTo("docker"));
            Assert.That(cache.Build.DockerfileInContext(), Is.EqualTo("cache.Dockerfile"), "the path is from the repository root, as docker build -f");
            Assert.That(cache.Build.Args, Is.EqualTo(new Dictionary<string, string> { ["VERSION"] = "7" }));
            Assert.That(cache.Command, Is.Null);
            Assert.That(cache.Ready, Is.Null);
        });
    }

    [Test]
    public void When_only_image_and_script_are_given_Should_default_the_rest()
    {
        var config = Parse(Minimal());

        Assert.Multiple(() =>
        {
            Assert.That(config.Script, Is.EqualTo(new[] { "make" }));
            Assert.That(config.Build, Is.Null);
            Assert.That(config.Env, Is.Empty);
            Assert.That(config.Services, Is.Empty);
            Assert.That(config.Timeout, Is.Null);
            Assert.That(config.Resources, Is.Null);
            Assert.That(config.Results.Junit, Is.Empty);
            Assert.That(config.Results.Artifacts, Is.Empty);
            Assert.That(config.Secrets, Is.Empty);
            Assert.That(config.User, Is.Null);
        });
    }

    [Test]
    public void When_build_is_empty_Should_use_the_Dockerfile_at_the_root_with_the_root_as_context()
    {
        var config = Parse(ScriptOnly("build: {}"));

        Assert.That(config.Build, Is.Not.Null);
        Assert.That((config.Build!.Dockerfile, config.Build.Context, config.Build.Args.Count), Is.EqualTo(("Dockerfile", ".", 0)));
        Assert.That(config.Image, Is.Null);
    }

    [Test]
    public void When_a_service_leaves_out_ready_and_command_Should_keep_the_images_command_and_the_default_ready_timeout()
    {
        var service = Parse(Minimal("services:", "  redis: { image: redis:7 }")).Services["redis"];

        Assert.That((service.Command, service.Ready, service.ReadyTimeout), Is.EqualTo(((IReadOnlyList<string>?)null, (string?)null, TimeSpan.FromSeconds(60))));
    }

    [Test]
    public void When_script_is_a_single_string_Should_be_one_command()
    {
        var config = Parse(Yaml("image: x", "script: make test && make lint"));

        Assert.That(config.Script, Is.EqualTo(new[] { "make test && make lint" }));
    }

    [Test]
    public void When_a_command_is_a_block_string_Should_stay_one_command_with_its_lines()
    {
        var config = Parse(Yaml("image: x", "script:", "  - |", "    make deps", "    make test"));

        Assert.That(config.Script, Is.EqualTo(new[] { "make deps\nmake test\n" }));
    }

    [Test]
    public void When_a_service_command_is_a_string_Should_run_it_through_the_shell()
    {
        var service = Parse(Minimal("services:", "  web: { image: x, command: ./serve --port 80 }")).Services["web"];

        Assert.That(service.Command, Is.EqualTo(new[] { "/bin/sh", "-c", "./serve --port 80" }));
    }

    [Test]
    public void When_the_file_has_windows_line_endings_Should_parse_the_same()
    {
        var config = Parse(CompleteExample.Replace("\n", "\r\n"));

        Assert.That(config.Script, Is.EqualTo(new[] { "sh ci/build.sh", "wget -q -O - http://web:8080/" }), "no \\r left in values");
        Assert.That(config.User, Is.EqualTo("1000:1000"));
        Assert.That(config.Services["web"].Ready, Is.EqualTo("wget -q -O /dev/null http://127.0.0.1:8080/"));
    }

    [Test]
    public void When_the_file_starts_with_a_byte_order_mark_Should_ignore_it()
    {
        Assert.That(Parse("\uFEFF" + Minimal()).Image, Is.EqualTo("local/busybox:1"));
    }

    [Test]
    public void When_env_values_are_numbers_booleans_or_quoted_Should_keep_their_yaml_text()
    {
        var env = Parse(Minimal("env:", "  A: 1.50", "  B: yes", "  C: \"\"", "  D: '007'", "  E: 0x1F")).Env;

        Assert.That(env, Is.EqualTo(new Dictionary<string, string> { ["A"] = "1.50", ["B"] = "yes", ["C"] = "", ["D"] = "007", ["E"] = "0x1F" }));
    }

    [Test]
    public void When_list_keys_get_a_single_string_Should_be_a_list_of_one()
    {
        var config = Parse(Minimal("secrets: NPM_TOKEN", "results: { junit: out/*.xml, artifacts: dist/app.tgz }"));

        Assert.That((config.Secrets, config.Results.Junit, config.Results.Artifacts),
            Is.EqualTo((new[] { "NPM_TOKEN" }, new[] { "out/*.xml" }, new[] { "dist/app.tgz" })));
    }

    [Test]
    public void When_an_anchor_is_never_aliased_Should_be_harmless()
    {
        Assert.That(Parse(Minimal("user: &me builder")).User, Is.EqualTo("builder"));
    }

    [TestCase("90s", 90)]
    [TestCase("30m", 30 * 60)]
    [TestCase("2h", 2 * 3600)]
    [TestCase("1h30m", 90 * 60)]
    [TestCase("1h0m5s", 3605)]
    [TestCase("600", 600)]
    public void When_a_duration_is_written_Should_be_read_as_documented(string written, int seconds)
    {
        Assert.That(Parse(Minimal($"timeout: {written}")).Timeout, Is.EqualTo(TimeSpan.FromSeconds(seconds)));
    }

    [TestCase("512m", 512L * 1024 * 1024)]
    [TestCase("4g", 4L * 1024 * 1024 * 1024)]
    [TestCase("4G", 4L * 1024 * 1024 * 1024)]
    [TestCase("10240k", 10L * 1024 * 1024)]
    [TestCase("104857600", 104857600L)]
    public void When_a_memory_size_is_written_Should_be_read_in_binary_units(string written, long bytes)
    {
        Assert.That(Parse(Minimal($"resources: {{ memory: {written} }}")).Resources!.MemoryBytes, Is.EqualTo(bytes));
    }

    [TestCase("2", 2.0)]
    [TestCase("0.5", 0.5)]
    [TestCase("\"1.5\"", 1.5)]
    public void When_cpus_are_written_Should_be_read_as_a_number(string written, double cpus)
    {
        var resources = Parse(Minimal($"resources: {{ cpus: {written} }}")).Resources!;

        Assert.That((resources.Cpus, resources.MemoryBytes), Is.EqualTo(((double?)cpus, (long?)null)));
    }

    [TestCase("docker", "docker/Dockerfile")]
    [TestCase("./docker/", "docker/Dockerfile")]
    [TestCase(".", "Dockerfile")]
    public void When_build_names_a_context_but_no_dockerfile_Should_use_the_Dockerfile_at_the_top_of_the_context(string context, string dockerfile)
    {
        Assert.That(Parse(ScriptOnly($"build: {{ context: \"{context}\" }}")).Build!.Dockerfile, Is.EqualTo(dockerfile));
    }

    // As `docker build -f DOCKERFILE CONTEXT` run from the repository root: -f is not relative to the context.
    [TestCase("docker/cache.Dockerfile", "docker", "cache.Dockerfile")]
    [TestCase("docker/sub/Dockerfile", "./docker", "sub/Dockerfile")]
    [TestCase("Dockerfile", ".", "Dockerfile")]
    [TestCase("ci/../docker/Dockerfile", "docker", "Dockerfile")]
    [TestCase("ci/Dockerfile", "docker", null)]
    [TestCase("Dockerfile", "docker", null)]
    [TestCase("dockerfiles/x", "docker", null)]
    public void When_dockerfile_is_given_Should_read_it_from_the_repository_root_inside_or_outside_the_context(string dockerfile, string context, string? inContext)
    {
        var build = Parse(ScriptOnly($"build: {{ dockerfile: \"{dockerfile}\", context: \"{context}\" }}")).Build!;

        Assert.That((build.Dockerfile, build.DockerfileInContext()), Is.EqualTo((dockerfile, inContext)));
    }

    [TestCase("1000")]
    [TestCase("1000:1000")]
    [TestCase("builder")]
    [TestCase("builder:staff")]
    public void When_user_is_a_uid_or_a_name_Should_keep_it(string user)
    {
        Assert.That(Parse(Minimal($"user: \"{user}\"")).User, Is.EqualTo(user));
    }

    [Test]
    public void When_a_build_path_goes_up_and_back_inside_the_repository_Should_be_accepted()
    {
        Assert.That(Parse(ScriptOnly("build: { dockerfile: docker/../ci/Dockerfile }")).Build!.Dockerfile, Is.EqualTo("docker/../ci/Dockerfile"));
    }
}
