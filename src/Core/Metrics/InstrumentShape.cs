using System.Diagnostics.Metrics;

namespace Narwhal.Core.Metrics;

/// <summary>The Prometheus <c># TYPE</c> a family is rendered as.</summary>
internal enum MetricType { Counter, Gauge, Histogram }

/// <summary>How the measurements of one series combine.</summary>
internal enum Aggregation
{
    /// <summary>Counter and UpDownCounter: each measurement is an increment.</summary>
    Sum,
    /// <summary>Gauge and every observable instrument: each measurement is the current value (observable counters report their running total).</summary>
    LastValue,
    /// <summary>Histogram: bucket counts, sum and count.</summary>
    Histogram,
}

/// <summary>
/// What kind of instrument a family aggregates. Two instruments may feed one family (same name,
/// for example the same Meter created by two scopes) only when their shapes are equal.
/// </summary>
internal readonly record struct InstrumentShape(Type Definition, MetricType Type, Aggregation Aggregation, bool Observable)
{
    // Instrument kind                      -> TYPE       aggregation
    // Counter<T>                           -> counter    sum (negative increments dropped: counters only rise)
    // ObservableCounter<T>                 -> counter    last observed total
    // UpDownCounter<T>                     -> gauge      sum
    // ObservableUpDownCounter<T>           -> gauge      last observed total
    // Gauge<T>, ObservableGauge<T>         -> gauge      last value
    // Histogram<T>                         -> histogram  buckets, sum, count
    public static InstrumentShape? Of(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType) return null;
        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>)) return new(definition, MetricType.Counter, Aggregation.Sum, false);
        if (definition == typeof(ObservableCounter<>)) return new(definition, MetricType.Counter, Aggregation.LastValue, true);
        if (definition == typeof(UpDownCounter<>)) return new(definition, MetricType.Gauge, Aggregation.Sum, false);
        if (definition == typeof(ObservableUpDownCounter<>)) return new(definition, MetricType.Gauge, Aggregation.LastValue, true);
        if (definition == typeof(Gauge<>)) return new(definition, MetricType.Gauge, Aggregation.LastValue, false);
        if (definition == typeof(ObservableGauge<>)) return new(definition, MetricType.Gauge, Aggregation.LastValue, true);
        if (definition == typeof(Histogram<>)) return new(definition, MetricType.Histogram, Aggregation.Histogram, false);
        return null;
    }
}
