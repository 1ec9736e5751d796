using System.Security;
using System.Text;
using Narwhal.Runner.Junit;

namespace Narwhal.Runner.Tests.Junit;

/// <summary>Small builder for synthetic JUnit XML: the cases the real fixtures do not cover (hostile sizes, odd shapes).</summary>
internal static class JunitXml
{
    public static string Suites(params string[] content) => $"<testsuites>{string.Concat(content)}</testsuites>";

    public static string Suite(string? name, params string[] content) =>
        $"<testsuite{Attr("name", name)}>{string.Concat(content)}</testsuite>";

    public static string Case(string name, string? time = null, string? className = null, params string[] content) =>
        $"<testcase{Attr("name", name)}{Attr("classname", className)}{Attr("time", time)}>{string.Concat(content)}</testcase>";

    public static string Failure(string? message = null, string? text = null, string? type = null) =>
        Result("failure", message, text, type);

    public static string Error(string? message = null, string? text = null, string? type = null) =>
        Result("error", message, text, type);

    public static string Skipped() => "<skipped/>";

    public static string SystemOut(string text) => $"<system-out>{Escape(text)}</system-out>";

    public static string SystemErr(string text) => $"<system-err>{Escape(text)}</system-err>";

    public static Task<JunitReport> ParseAsync(string xml, string fileName = "synthetic.xml") =>
        ParseAsync(Encoding.UTF8.GetBytes(xml), fileName);

    public static async Task<JunitReport> ParseAsync(byte[] bytes, string fileName = "synthetic.xml")
    {
        using var stream = new MemoryStream(bytes);
        return await JunitParser.ParseAsync(stream, fileName, CancellationToken.None);
    }

    private static string Result(string element, string? message, string? text, string? type) =>
        $"<{element}{Attr("message", message)}{Attr("type", type)}>{Escape(text ?? "")}</{element}>";

    private static string Attr(string name, string? value) => value is null ? "" : $" {name}=\"{Escape(value)}\"";

    private static string Escape(string text) => SecurityElement.Escape(text);
}
