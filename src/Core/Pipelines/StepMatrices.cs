using System.Text.RegularExpressions;

namespace Narwhal.Core.Pipelines;

/// <summary>
/// The rules and the expansion of a <see cref="StepMatrix"/>, shared by a repository's config file and a
/// freestyle job's JSON so that both expand the same matrix into the same steps.
/// </summary>
public static partial class StepMatrices
{
    /// <summary>Combinations of one matrix; the whole pipeline, expanded, still has at most <see cref="PipelineLimits.MaxSteps"/> steps.</summary>
    public const int MaxCombinations = PipelineLimits.MaxSteps;

    /// <summary>The product of the axes before <c>exclude</c>: past this it is a typo, not a matrix.</summary>
    public const long MaxProduct = 10_000;

    public const string NameRule = "letters, digits and '_', not starting with a digit, at most 64 characters; not CI or NARWHAL_*";

    public const string ValueRule = "1-64 letters, digits, '.', '_', '-', ':', '+', '@' or '/'";

    // Names become environment variables; values appear in step names, URLs and log prefixes, hence no spaces,
    // commas, '=' or parentheses: an instance's name can always be read back into its values.
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,63}\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9._:+@/-]{1,64}\z")]
    private static partial Regex ValuePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,62} \([A-Za-z_][A-Za-z0-9_]{0,63}=[A-Za-z0-9._:+@/-]{1,64}(, [A-Za-z_][A-Za-z0-9_]{0,63}=[A-Za-z0-9._:+@/-]{1,64})*\)\z")]
    private static partial Regex InstanceKeyPattern();

    public static bool IsName(string name) =>
        NamePattern().IsMatch(name) && name != "CI" && !name.StartsWith("NARWHAL_", StringComparison.Ordinal);

    public static bool IsValue(string value) => ValuePattern().IsMatch(value);

    /// <summary>A key <see cref="InstanceKey"/> can make: what an Api route accepts beside a written key.</summary>
    public static bool IsInstanceKey(string key) => InstanceKeyPattern().IsMatch(key);

    /// <summary>The readable key of one instance: <c>test (node=20, os=bookworm)</c>.</summary>
    public static string InstanceKey(string key, MatrixCombination combination) =>
        $"{key} ({string.Join(", ", combination.Values.Select(v => $"{v.Key}={v.Value}"))})";

    /// <summary>
    /// The combinations in order: the product of the axes (first axis slowest) less the excluded, then each
    /// include not already there. Names and values are assumed checked; an empty result is the caller's error to report.
    /// </summary>
    public static IReadOnlyList<MatrixCombination> Expand(StepMatrix matrix)
    {
        IEnumerable<List<KeyValuePair<string, string>>> product = [[]];
        foreach (var axis in matrix.Axes)
            product = product.SelectMany(prefix => axis.Values.Select(value => new List<KeyValuePair<string, string>>(prefix) { new(axis.Name, value) }));

        var combinations = product
            .Where(values => !matrix.Exclude.Any(exclude => Matches(values, exclude)))
            .Select(values => new MatrixCombination(values))
            .ToList();
        foreach (var include in matrix.Include)
        {
            var values = matrix.Axes.Where(axis => include.ContainsKey(axis.Name)).Select(axis => new KeyValuePair<string, string>(axis.Name, include[axis.Name]))
                .Concat(include.Where(pair => matrix.Axes.All(axis => axis.Name != pair.Key)))
                .ToList();
            if (!combinations.Any(existing => existing.Values.SequenceEqual(values))) combinations.Add(new MatrixCombination(values));
        }
        return combinations;
    }

    /// <summary>How many steps a step written with <paramref name="matrix"/> (or none) becomes once expanded.</summary>
    public static int StepCount(StepMatrix? matrix) => matrix is null ? 1 : Expand(matrix).Count;

    /// <summary>The product of the axes' sizes, capped just past <see cref="MaxProduct"/>: check it before <see cref="Expand"/>.</summary>
    public static long Product(StepMatrix matrix) =>
        matrix.Axes.Aggregate(1L, (count, axis) => Math.Min(count * axis.Values.Count, MaxProduct + 1));

    /// <summary>
    /// What is wrong with a matrix whose names and values are valid, or null: too big a product, nothing left
    /// after <c>exclude</c>, more than <see cref="MaxCombinations"/>. A clause; callers say where.
    /// </summary>
    public static string? Problem(StepMatrix matrix, out IReadOnlyList<MatrixCombination> combinations)
    {
        combinations = [];
        if (Product(matrix) > MaxProduct) return $"its axes make more than {MaxProduct:N0} combinations";
        combinations = Expand(matrix);
        if (combinations.Count == 0) return "every combination is excluded: the step would not run at all";
        return combinations.Count > MaxCombinations
            ? $"it makes {combinations.Count} combinations; a matrix makes at most {MaxCombinations}"
            : null;
    }

    private static bool Matches(List<KeyValuePair<string, string>> values, IReadOnlyDictionary<string, string> exclude) =>
        exclude.All(pair => values.Any(v => v.Key == pair.Key && v.Value == pair.Value));
}
