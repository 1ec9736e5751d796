namespace Narwhal.Core.Results;

/// <summary>
/// A failed or errored test case. <see cref="Kind"/> is <see cref="FailureKind"/> or <see cref="ErrorKind"/> (the first
/// such element of the case); <see cref="Message"/> is its <c>message</c> attribute, else the first line of its text;
/// <see cref="Output"/> is the first lines of the failure text followed by the case's system-out and system-err, capped
/// (see the Runner's <c>JunitLimits</c>).
/// </summary>
public sealed record JunitFailure(string Suite, string? ClassName, string Name, string Kind, string? Message, string? Type, string? Output)
{
    public const string FailureKind = "failure";
    public const string ErrorKind = "error";
}
