namespace Narwhal.Testing;

/// <summary>
/// Where the real services started by scripts/services.sh listen. The test command exports
/// the variables `scripts/services.sh env` prints; the defaults here equal that script's
/// defaults so a test run from an IDE against a running `services.sh up` works too.
/// </summary>
public static class TestEnvironment
{
    private static string Env(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    /// <summary>Connection string of the Postgres server (database "postgres"); fixtures create their own databases.</summary>
    public static string PostgresServer => Env("NARWHAL_POSTGRES", "Host=127.0.0.1;Port=55400;Username=postgres;Database=narwhal");

    /// <summary>AMQP URI of the broker's default vhost; fixtures create their own vhosts.</summary>
    public static Uri RabbitMq => new(Env("NARWHAL_RABBITMQ", "amqp://guest:guest@127.0.0.1:55401/"));

    public static Uri RabbitMqManagement => new(Env("NARWHAL_RABBITMQ_MANAGEMENT", "http://guest:guest@127.0.0.1:55402/"));

    public static string S3Url => Env("NARWHAL_S3_URL", "http://127.0.0.1:55404");
    public static string S3AccessKey => Env("NARWHAL_S3_ACCESS_KEY", "S3RVER");
    public static string S3SecretKey => Env("NARWHAL_S3_SECRET_KEY", "S3RVER");
    public static bool S3ChunkedEncoding => bool.Parse(Env("NARWHAL_S3_CHUNKED_ENCODING", "false"));

    public static string DockerHost => Env("NARWHAL_DOCKER_HOST", "unix:///var/run/docker.sock");

    /// <summary>Base image made locally by scripts/images.sh (no registry here).</summary>
    public static string BusyboxImage => Env("NARWHAL_TEST_IMAGE", "local/busybox:1");

    /// <summary>
    /// Instance name for everything the tests create in Docker: distinct from a developer's
    /// running stack so the tests' leftover checks and cleanups never touch it.
    /// </summary>
    public static string InstancePrefix => Env("NARWHAL_TEST_INSTANCE", "narwhal-test");

    /// <summary>A fresh instance name per fixture: lowercase, valid for NARWHAL_INSTANCE.</summary>
    public static string NewInstanceName() => $"{InstancePrefix}-{Guid.NewGuid():N}"[..Math.Min(40, InstancePrefix.Length + 13)];
}
