namespace Narwhal.Api.Auth;

/// <summary>
/// What a token may do. Scopes nest: admin includes trigger, trigger includes read.
/// </summary>
public enum Scope
{
    /// <summary>Every GET.</summary>
    Read,
    /// <summary>Trigger, abort and re-run runs.</summary>
    Trigger,
    /// <summary>Jobs, tokens, secrets, runners.</summary>
    Admin,
}

public static class Scopes
{
    public static string Name(this Scope scope) => scope switch
    {
        Scope.Read => "read",
        Scope.Trigger => "trigger",
        Scope.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    public static bool TryParse(string? name, out Scope scope)
    {
        foreach (var candidate in Enum.GetValues<Scope>())
            if (candidate.Name() == name) { scope = candidate; return true; }
        scope = default;
        return false;
    }

    /// <summary>The scopes a token effectively has, its declared ones plus those they include.</summary>
    public static IReadOnlySet<Scope> Effective(IEnumerable<Scope> declared)
    {
        var highest = declared.DefaultIfEmpty(Scope.Read).Max();
        return Enum.GetValues<Scope>().Where(s => s <= highest).ToHashSet();
    }
}
