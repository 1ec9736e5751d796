using NUnit.Framework;
using static Narwhal.Runner.Tests.JobConfigs.JobConfigFiles;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>
/// Locks in the refusals of well-shaped files that break a rule of docs/job-config.md: each at the
/// exact line and column of the offending node, the problem naming the key or value.
/// </summary>
[TestFixture]
public sealed class JobConfigRuleErrors_Specs
{
    [Test]
    public void When_both_image_and_build_are_set_Should_point_at_the_second_of_them()
    {
        AssertRefused(Yaml("build: {}", "script: [make]", "image: x"), 3, 1, "both 'image' and 'build'");
    }

    [Test]
    public void When_neither_image_nor_build_is_set_Should_point_at_the_start_of_the_file()
    {
        AssertRefused(Yaml("# the job", "script: [make]"), 2, 1, "'image'", "'build'");
    }

    [Test]
    public void When_a_service_has_neither_image_nor_build_Should_point_at_the_service_name()
    {
        AssertRefused(Minimal("services:", "  db:", "    env: { A: 1 }"), 4, 3, "service 'db'", "'image'", "'build'");
    }

    [Test]
    public void When_a_service_has_both_image_and_build_Should_point_at_the_second_of_them()
    {
        AssertRefused(Minimal("services:", "  db: { image: x, build: {} }"), 4, 19, "service 'db'", "both 'image' and 'build'");
    }

    [Test]
    public void When_script_is_missing_Should_say_so_at_the_start_of_the_file()
    {
        AssertRefused(Yaml("image: x"), 1, 1, "'script'");
    }

    [Test]
    public void When_script_is_an_empty_list_Should_point_at_the_list()
    {
        AssertRefused(Yaml("image: x", "script: []"), 2, 9, "'script' is empty");
    }

    [Test]
    public void When_a_command_is_blank_Should_point_at_it()
    {
        AssertRefused(Yaml("image: x", "script:", "  - make", "  - \"  \""), 4, 5, "'script' has an empty command");
    }

    [Test]
    public void When_image_contains_spaces_Should_show_the_value()
    {
        AssertRefused(Yaml("image: local/debian bookworm", "script: [make]"), 1, 8, "'image'", "'local/debian bookworm'");
    }

    [TestCase("30 minutes")]
    [TestCase("1.5h")]
    [TestCase("30M")]
    [TestCase("30m1h")]
    [TestCase("-5")]
    [TestCase("h")]
    public void When_timeout_is_not_a_duration_Should_name_timeout_and_the_value(string written)
    {
        AssertRefused(Minimal($"timeout: {written}"), 3, 10, "'timeout' is not a duration", $"'{written}'");
    }

    [TestCase("0")]
    [TestCase("0s")]
    [TestCase("0h0m")]
    public void When_timeout_is_zero_Should_be_refused(string written)
    {
        AssertRefused(Minimal($"timeout: {written}"), 3, 10, "'timeout' must be longer than zero");
    }

    [Test]
    public void When_a_ready_timeout_is_not_a_duration_Should_name_it()
    {
        AssertRefused(Minimal("services:", "  db:", "    image: x", "    ready: true", "    readyTimeout: soon"), 7, 19, "'readyTimeout'", "'soon'");
    }

    [Test]
    public void When_ready_timeout_is_set_without_ready_Should_point_at_ready_timeout()
    {
        AssertRefused(Minimal("services:", "  db:", "    image: x", "    readyTimeout: 5s"), 6, 5, "'readyTimeout' without 'ready'");
    }

    [TestCase("4gb")]
    [TestCase("4 g")]
    [TestCase("1.5g")]
    [TestCase("lots")]
    [TestCase("99999999999999999999")]
    public void When_memory_is_not_a_size_Should_name_memory_and_the_value(string written)
    {
        AssertRefused(Minimal("resources:", $"  memory: {written}"), 4, 11, "'memory'", $"'{written}'");
    }

    [Test]
    public void When_memory_overflows_with_its_unit_Should_be_refused_as_too_large()
    {
        AssertRefused(Minimal("resources:", "  memory: 9999999999999g"), 4, 11, "'memory' is too large");
    }

    [Test]
    public void When_memory_is_below_what_docker_accepts_Should_be_refused()
    {
        AssertRefused(Minimal("resources:", "  memory: 1024k"), 4, 11, "'memory' must be at least 6m");
    }

    [TestCase("0")]
    [TestCase("-1")]
    [TestCase("two")]
    [TestCase("0.001")]
    [TestCase("4096")]
    public void When_cpus_are_not_a_usable_number_Should_name_cpus_and_the_value(string written)
    {
        AssertRefused(Minimal("resources:", $"  cpus: {written}"), 4, 9, "'cpus'", $"'{written}'");
    }

    [TestCase("Postgres")]
    [TestCase("db_main")]
    [TestCase("-db")]
    [TestCase("db-")]
    public void When_a_service_name_is_not_a_dns_label_Should_name_it(string name)
    {
        AssertRefused(Minimal("services:", $"  {name}: {{ image: x }}"), 4, 3, $"'{name}'", "not a valid service name");
    }

    [Test]
    public void When_a_service_name_is_longer_than_63_characters_Should_be_refused()
    {
        var name = new string('a', 64);

        AssertRefused(Minimal("services:", $"  {name}: {{ image: x }}"), 4, 3, $"'{name}'", "at most 63");
    }

    [TestCase("1ST")]
    [TestCase("MY-VAR")]
    [TestCase("\"A B\"")]
    public void When_an_env_name_is_invalid_Should_name_it(string name)
    {
        AssertRefused(Minimal("env:", $"  {name}: x"), 4, 3, "not a valid variable name", $"'{name.Trim('"')}'");
    }

    [TestCase("CI")]
    [TestCase("NARWHAL_RUN_ID")]
    public void When_env_sets_a_reserved_variable_Should_name_it(string name)
    {
        AssertRefused(Minimal("env:", $"  {name}: x"), 4, 3, $"'{name}' in 'env' is reserved");
    }

    [Test]
    public void When_a_service_env_sets_a_reserved_variable_Should_name_it()
    {
        AssertRefused(Minimal("services:", "  db: { image: x, env: { CI: 1 } }"), 4, 26, "'CI' in 'env' is reserved");
    }

    [Test]
    public void When_a_build_arg_name_is_invalid_Should_name_it()
    {
        AssertRefused(ScriptOnly("build:", "  args: { node-version: 20 }"), 3, 11, "'node-version' in 'args'");
    }

    [Test]
    public void When_a_secret_name_is_invalid_Should_point_at_the_item()
    {
        AssertRefused(Minimal("secrets: [NPM_TOKEN, db-password]"), 3, 22, "'db-password' in 'secrets'");
    }

    [Test]
    public void When_a_secret_is_reserved_Should_point_at_the_item()
    {
        AssertRefused(Minimal("secrets:", "  - NARWHAL_TOKEN"), 4, 5, "'NARWHAL_TOKEN' in 'secrets' is reserved");
    }

    [Test]
    public void When_a_secret_is_listed_twice_Should_point_at_the_second()
    {
        AssertRefused(Minimal("secrets: [A, B, A]"), 3, 17, "'A' is listed twice");
    }

    [Test]
    public void When_a_secret_is_also_in_env_Should_point_at_the_secret()
    {
        AssertRefused(Minimal("env: { TOKEN: x }", "secrets: [TOKEN]"), 4, 11, "'TOKEN'", "'secrets'", "'env'");
    }

    [TestCase("/etc/Dockerfile", "relative")]
    [TestCase("C:/ci/Dockerfile", "relative")]
    [TestCase("../Dockerfile", "leaves the repository")]
    [TestCase("docker/../../Dockerfile", "leaves the repository")]
    public void When_the_dockerfile_path_escapes_the_repository_Should_name_the_path(string path, string problem)
    {
        AssertRefused(ScriptOnly("build:", $"  dockerfile: {path}"), 3, 15, "'dockerfile'", problem, $"'{path}'");
    }

    [Test]
    public void When_the_build_context_escapes_the_repository_Should_name_it()
    {
        AssertRefused(ScriptOnly("build: { context: .. }"), 2, 19, "'context' leaves the repository");
    }

    [TestCase("/var/log/*.xml", "relative")]
    [TestCase("../reports/*.xml", "'..'")]
    [TestCase("out/../../x.xml", "'..'")]
    public void When_a_junit_glob_reaches_outside_the_repository_Should_point_at_the_glob(string glob, string problem)
    {
        AssertRefused(Minimal("results:", "  junit:", "    - out/*.xml", $"    - {glob}"), 6, 7, "'junit'", problem);
    }

    [Test]
    public void When_an_artifact_glob_is_absolute_Should_name_artifacts()
    {
        AssertRefused(Minimal("results: { artifacts: [/tmp/app] }"), 3, 24, "'artifacts' must be relative", "'/tmp/app'");
    }

    [TestCase("root user")]
    [TestCase("1000:")]
    [TestCase(":1000")]
    [TestCase("a:b:c")]
    public void When_user_is_not_a_uid_or_name_Should_show_the_value(string user)
    {
        AssertRefused(Minimal($"user: \"{user}\""), 3, 7, "'user'", $"'{user}'");
    }

    [Test]
    public void When_a_service_command_is_an_empty_list_Should_point_at_it()
    {
        AssertRefused(Minimal("services:", "  db: { image: x, command: [] }"), 4, 28, "'command' is empty");
    }

    [Test]
    public void When_the_first_error_is_reported_Should_be_the_same_every_time()
    {
        var yaml = Minimal("timeout: soon", "user: \"a b\"");

        Assert.That(Refusal(yaml).Message, Is.EqualTo(Refusal(yaml).Message));
    }
}
