using System.Xml;
using Narwhal.Core.Results;

namespace Narwhal.Runner.Junit;

/// <summary>
/// The parser's state while it streams through one file: a stack of the open elements (bounded by
/// <see cref="JunitLimits.MaxDepth"/>), the running totals, the suites seen and the failures kept.
/// </summary>
internal sealed class JunitWalk(JunitMask mask)
{
    /// <summary>An open element: the suite its cases count in, the test case it belongs to, and where its text goes (if kept).</summary>
    private readonly record struct Frame(SuiteScope Scope, JunitCase? Case, bool IsCase, TextCapture? Text);

    /// <summary>A suite element; its tally is created when its first direct case ends.</summary>
    private sealed class SuiteScope(string name)
    {
        public string Name { get; } = name;
        public SuiteTally? Tally { get; set; }
    }

    private sealed class SuiteTally(string name)
    {
        public string Name { get; } = name;
        public JunitTotalsBuilder Totals { get; } = new();
    }

    private readonly Stack<Frame> _open = new();
    private readonly JunitTotalsBuilder _totals = new();
    private readonly List<SuiteTally> _suites = [];
    private readonly List<JunitFailure> _failures = [];
    private SuiteTally? _otherSuites;
    private bool _failuresTruncated;

    /// <summary>Where the text of the current node goes; null when it is not kept.</summary>
    public TextCapture? TextTarget => _open.TryPeek(out var top) ? top.Text : null;

    /// <summary>Handles a start tag (the reader is on it). Throws <see cref="XmlException"/> for input it refuses.</summary>
    public void Open(XmlReader reader)
    {
        if (reader.Depth >= JunitLimits.MaxDepth)
            throw Refuse($"Elements are nested more than {JunitLimits.MaxDepth} deep.", reader);

        var element = reader.LocalName;
        if (!_open.TryPeek(out var parent))
        {
            if (element is not ("testsuites" or "testsuite"))
                throw Refuse($"Not a JUnit report: the root element is <{CappedText.Cap(mask.Apply(element), 100)}>, expected <testsuites> or <testsuite>.", reader);
            _open.Push(new Frame(new SuiteScope(SuiteName(reader, element, mask)), null, false, null));
            return;
        }

        var inCase = parent.IsCase ? parent.Case : null;
        _open.Push((element, inCase) switch
        {
            ("testsuite" or "testsuites", _) => new Frame(new SuiteScope(SuiteName(reader, element, mask)), null, false, null),
            ("testcase", _) => new Frame(parent.Scope, ReadCase(reader, mask, keepsText: _failures.Count < JunitLimits.MaxFailuresPerReport), true, null),
            ("failure", { } testCase) => ResultFrame(parent, testCase.BeginResult(JunitFailure.FailureKind, reader.GetAttribute("message"), reader.GetAttribute("type"))),
            ("error", { } testCase) => ResultFrame(parent, testCase.BeginResult(JunitFailure.ErrorKind, reader.GetAttribute("message"), reader.GetAttribute("type"))),
            ("skipped", { } testCase) => Skipped(parent, testCase),
            ("system-out", { } testCase) => ResultFrame(parent, testCase.SystemOut()),
            ("system-err", { } testCase) => ResultFrame(parent, testCase.SystemErr()),
            _ => parent with { IsCase = false, Text = null },
        });
    }

    /// <summary>Handles an end tag, or the end of an empty element.</summary>
    public void Close()
    {
        var frame = _open.Pop();
        if (frame.IsCase)
            Finish(frame.Scope, frame.Case!);
    }

    public JunitReport ToReport(string fileName) => new()
    {
        FileName = fileName,
        Parsed = true,
        Totals = _totals.Build(),
        Suites = _suites.Select(s => new JunitSuite(s.Name, s.Totals.Build())).ToList(),
        Failures = _failures,
        FailuresTruncated = _failuresTruncated,
    };

    private void Finish(SuiteScope scope, JunitCase testCase)
    {
        scope.Tally ??= NewTally(scope.Name);
        scope.Tally.Totals.AddCase(testCase);
        _totals.AddCase(testCase);

        if (!testCase.IsFailing)
            return;
        if (_failures.Count < JunitLimits.MaxFailuresPerReport)
            _failures.Add(testCase.ToFailure(scope.Name));
        else
            _failuresTruncated = true;
    }

    private SuiteTally NewTally(string name)
    {
        if (_suites.Count < JunitLimits.MaxSuitesPerReport)
        {
            var tally = new SuiteTally(name);
            _suites.Add(tally);
            return tally;
        }
        if (_otherSuites is null)
        {
            _otherSuites = new SuiteTally(JunitLimits.OtherSuites);
            _suites.Add(_otherSuites);
        }
        return _otherSuites;
    }

    private static Frame ResultFrame(Frame parent, TextCapture? text) => parent with { IsCase = false, Text = text };

    private static Frame Skipped(Frame parent, JunitCase testCase)
    {
        testCase.MarkSkipped();
        return parent with { IsCase = false, Text = null };
    }

    private static JunitCase ReadCase(XmlReader reader, JunitMask mask, bool keepsText)
    {
        var name = mask.CapOrNull(reader.GetAttribute("name"), JunitLimits.MaxNameBytes) ?? JunitLimits.UnnamedCase;
        var className = mask.CapOrNull(reader.GetAttribute("classname"), JunitLimits.MaxNameBytes);
        double? time = JunitTime.TryParseSeconds(reader.GetAttribute("time"), out var seconds) ? seconds : null;
        return new JunitCase(name, className, time, keepsText, mask);
    }

    // <testsuites name="..."> names the whole run, not a suite: cases directly under it count as unnamed.
    private static string SuiteName(XmlReader reader, string element, JunitMask mask) =>
        (element == "testsuite" ? mask.CapOrNull(reader.GetAttribute("name"), JunitLimits.MaxNameBytes) : null)
        ?? JunitLimits.UnnamedSuite;

    private static XmlException Refuse(string reason, XmlReader reader)
    {
        var at = (IXmlLineInfo)reader;
        return new XmlException(reason, null, at.LineNumber, at.LinePosition);
    }
}
