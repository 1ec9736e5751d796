using System.Text.RegularExpressions;

namespace Narwhal.Runner.JobConfigs;

/// <summary>The names a job config gives: variables (env, build args, secrets), services, the user, resource classes and groups.</summary>
internal static partial class ConfigNames
{
    public const int MaxServiceNameLength = 63;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z")]
    private static partial Regex VariablePattern();

    // A DNS label (RFC 1123): the script reaches the service by this host name.
    [GeneratedRegex(@"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\z")]
    private static partial Regex ServicePattern();

    // uid, uid:gid, name, name:group, or a mix: numbers or POSIX-style names.
    [GeneratedRegex(@"^(?:\d{1,10}|[A-Za-z_][A-Za-z0-9_.-]{0,31})(?::(?:\d{1,10}|[A-Za-z_][A-Za-z0-9_.-]{0,31}))?\z")]
    private static partial Regex UserPattern();

    // The Api's rule for job and concurrency group names (Narwhal.Api.Validation.Names.JobName), which
    // resource classes (queue names narwhal.runs.<class>) also satisfy: a step's values meet the same checks.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\z")]
    private static partial Regex GroupPattern();

    private const string GroupRule = "1-100 characters of letters, digits, '.', '_' or '-', starting with a letter or digit";

    /// <summary>Narwhal sets these in every run; a job may not replace them.</summary>
    public static bool IsReserved(string variable) =>
        variable == "CI" || variable.StartsWith("NARWHAL_", StringComparison.Ordinal);

    public static string Variable(RawScalar name, string where, bool refuseReserved)
    {
        if (!VariablePattern().IsMatch(name.Value))
            throw ConfigError.At(name.Start,
                $"'{name.Value}' in {where} is not a valid variable name: use letters, digits and _, not starting with a digit");
        if (refuseReserved && IsReserved(name.Value))
            throw ConfigError.At(name.Start, $"'{name.Value}' in {where} is reserved: Narwhal sets CI and NARWHAL_* itself");
        return name.Value;
    }

    public static string Service(RawScalar name)
    {
        if (name.Value.Length > MaxServiceNameLength || !ServicePattern().IsMatch(name.Value))
            throw ConfigError.At(name.Start,
                $"'{name.Value}' in 'services' is not a valid service name: lowercase letters, digits and '-', " +
                $"starting and ending with a letter or digit, at most {MaxServiceNameLength} characters");
        return name.Value;
    }

    public static string User(RawScalar user)
    {
        if (!UserPattern().IsMatch(user.Value))
            throw ConfigError.At(user.Start, $"'user' must be a uid, uid:gid or a user name, found '{user.Value}'");
        return user.Value;
    }

    /// <summary>A resource class or concurrency group name; <paramref name="what"/> names the key.</summary>
    public static string Group(RawScalar name, string what)
    {
        if (!GroupPattern().IsMatch(name.Value))
            throw ConfigError.At(name.Start, $"{what} must be {GroupRule}, found '{name.Value}'");
        return name.Value;
    }
}
