using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace Narwhal.Core.Logging;

/// <summary>
/// Passes every log event on with its secrets masked: the message template (an interpolated message carries its
/// values in the template), every property value however nested, and the exception (its message, inner exceptions
/// and stack as rendered). Formatters only ever see the masked event, so text and JSON output are both covered.
/// </summary>
internal sealed class MaskingSink(ILogEventSink inner, ITextMasker masker) : ILogEventSink, IDisposable
{
    private static readonly MessageTemplateParser Parser = new();

    public void Emit(LogEvent logEvent)
    {
        if (masker.LongestMaskedLength == 0)
        {
            inner.Emit(logEvent);
            return;
        }
        var text = logEvent.MessageTemplate.Text;
        var maskedText = masker.MaskText(text);
        var template = ReferenceEquals(maskedText, text) ? logEvent.MessageTemplate : Parser.Parse(maskedText);
        var properties = logEvent.Properties.Select(p => new LogEventProperty(p.Key, Mask(p.Value)));
        inner.Emit(new LogEvent(logEvent.Timestamp, logEvent.Level, Mask(logEvent.Exception), template, properties,
            logEvent.TraceId ?? default, logEvent.SpanId ?? default));
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();

    private Exception? Mask(Exception? exception)
    {
        if (exception is null) return null;
        var rendered = exception.ToString();
        var masked = masker.MaskText(rendered);
        return ReferenceEquals(masked, rendered) ? exception : new MaskedException(masker.MaskText(exception.Message), masked);
    }

    private LogEventPropertyValue Mask(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: null } => value,
        ScalarValue { Value: string text } => Masked(value, text),
        // Any other scalar is rendered as text in the end (a number, a Uri, an object's ToString): mask that.
        ScalarValue { Value: IFormattable formattable } => Masked(value, formattable.ToString(null, CultureInfo.InvariantCulture)),
        ScalarValue scalar => Masked(value, scalar.Value.ToString() ?? ""),
        SequenceValue sequence => new SequenceValue(sequence.Elements.Select(Mask)),
        StructureValue structure => new StructureValue(structure.Properties.Select(p => new LogEventProperty(p.Name, Mask(p.Value))), structure.TypeTag),
        DictionaryValue dictionary => new DictionaryValue(dictionary.Elements.Select(e =>
            KeyValuePair.Create(Mask(e.Key) as ScalarValue ?? e.Key, Mask(e.Value)))),
        _ => value,
    };

    private LogEventPropertyValue Masked(LogEventPropertyValue original, string text)
    {
        var masked = masker.MaskText(text);
        return ReferenceEquals(masked, text) ? original : new ScalarValue(masked);
    }

    /// <summary>Stands in for an exception whose text held a secret: renders as the original did, masked.</summary>
    private sealed class MaskedException(string message, string rendered) : Exception(message)
    {
        public override string? StackTrace => null;

        public override string ToString() => rendered;
    }
}
