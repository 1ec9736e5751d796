using System.Xml;
using Narwhal.Core.Logging;

namespace Narwhal.Runner.Junit;

/// <summary>
/// Reads JUnit XML reports as a stream (never a whole-file DOM) and counts what they contain. The totals a file states
/// about itself are ignored: real producers get them wrong or leave them out.
/// </summary>
public static class JunitParser
{
    private const int ChunkChars = 4096;

    /// <summary>
    /// Counts the test cases in <paramref name="xml"/> (which stays open). Never throws for bad input: a file that is not
    /// well-formed, declares a DTD, is not JUnit or nests too deep gives <see cref="JunitReport.Parsed"/> = false and an
    /// error with the line and position. Cancellation and failures of the stream itself do throw.
    /// </summary>
    public static Task<JunitReport> ParseAsync(Stream xml, string fileName, CancellationToken ct) =>
        ParseAsync(xml, fileName, null, ct);

    /// <summary>
    /// Like <see cref="ParseAsync(Stream, string, CancellationToken)"/>, with every text the report keeps (file name, suite
    /// and case names, messages, output, the parse error) passed through <paramref name="masker"/> before it is cut to its
    /// limit, so a secret is never cut in half and kept in part.
    /// </summary>
    public static async Task<JunitReport> ParseAsync(Stream xml, string fileName, ITextMasker? masker, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(xml);
        ArgumentNullException.ThrowIfNull(fileName);

        var mask = JunitMask.From(masker);
        fileName = mask.Apply(fileName);
        var walk = new JunitWalk(mask);
        var chunk = new char[ChunkChars];
        (int Line, int Position) lastRead = (0, 0);
        try
        {
            using var reader = XmlReader.Create(xml, Settings());
            var lineInfo = (IXmlLineInfo)reader;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (!await reader.ReadAsync())
                    break;
                lastRead = (lineInfo.LineNumber, lineInfo.LinePosition);

                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        walk.Open(reader);
                        if (reader.IsEmptyElement)
                            walk.Close();
                        break;
                    case XmlNodeType.EndElement:
                        walk.Close();
                        break;
                    case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                        if (walk.TextTarget is { IsFull: false } target)
                            await CaptureAsync(reader, target, chunk);
                        break;
                }
            }
        }
        catch (XmlException e)
        {
            return JunitReport.Unparseable(fileName, mask.Apply(Describe(e, lastRead)));
        }
        return walk.ToReport(fileName);
    }

    // Text is read in chunks up to what is kept; the reader skips the rest of a long node without building it.
    private static async Task CaptureAsync(XmlReader reader, TextCapture target, char[] chunk)
    {
        int read;
        while (!target.IsFull && (read = await reader.ReadValueChunkAsync(chunk, 0, chunk.Length)) > 0)
            target.Append(chunk.AsSpan(0, read));
    }

    private static XmlReaderSettings Settings() => new()
    {
        Async = true,
        // A DOCTYPE makes the file unparseable, so no entity can be declared, expanded or fetched (XXE, billion laughs).
        DtdProcessing = DtdProcessing.Prohibit,
        // Nothing outside the stream is ever opened: no file, no URL.
        XmlResolver = null,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = false,
    };

    // Some reader errors (a prohibited DTD, an empty file) carry no position: give the last one read instead.
    private static string Describe(XmlException e, (int Line, int Position) lastRead) =>
        e.LineNumber > 0 ? e.Message
        : lastRead.Line > 0 ? $"{e.Message} After line {lastRead.Line}, position {lastRead.Position}."
        : $"{e.Message} Line 1, position 1.";
}
