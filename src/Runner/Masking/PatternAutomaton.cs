namespace Narwhal.Runner.Masking;

/// <summary>
/// An Aho–Corasick automaton over bytes for a fixed set of patterns: one transition per input byte
/// whatever the number of patterns. After each byte the state is the longest suffix of the input so far
/// that is a prefix of some pattern; <see cref="Depth"/> is its length (so no match can start earlier) and
/// <see cref="LongestMatch"/> the longest pattern ending at that byte (0 if none).
/// </summary>
/// <remarks>
/// <para>Bytes are first mapped to classes (every byte that occurs in no pattern shares class 0), which
/// keeps rows short. States are numbered breadth-first, so the shallow states, where the automaton spends
/// nearly all its time, come first: they get dense rows holding the full transition function, one array
/// read per byte. Deeper states beyond <see cref="DenseEntryBudget"/> keep only their trie edges and a
/// failure link, so memory stays proportional to the pattern bytes even for multi-kilobyte secrets
/// (a certificate, a service-account JSON) with their dozen encoded forms.</para>
/// <para>A state is handled as a <em>code</em>: for a dense state its row's offset in <see cref="Dense"/>
/// (no multiplication in the hot loop), for a sparse state <see cref="DenseLimit"/> plus its index among the
/// sparse states. Transitions carry <see cref="MatchFlag"/> (the sign bit) when the target ends a pattern,
/// so the hot loop tests for a match without a second lookup. The start state's code is 0.</para>
/// </remarks>
internal sealed class PatternAutomaton
{
    public const int MatchFlag = int.MinValue;
    public const int CodeMask = int.MaxValue;

    /// <summary>At most this many dense-table entries (4 MiB); the rest of the states are sparse.</summary>
    private const int DenseEntryBudget = 1 << 20;

    private readonly byte[] byteClass;
    private readonly int classCount;
    private readonly int denseStates;
    private readonly int[] dense;
    private readonly int[] fail;
    private readonly int[] childStart;
    private readonly byte[] childClass;
    private readonly int[] childCode;
    private readonly int[] depth;
    private readonly int[] longestMatch;

    private PatternAutomaton(byte[] byteClass, int classCount, int denseStates, int[] dense, int[] fail,
        int[] childStart, byte[] childClass, int[] childCode, int[] depth, int[] longestMatch)
    {
        this.byteClass = byteClass;
        this.classCount = classCount;
        this.denseStates = denseStates;
        this.dense = dense;
        this.fail = fail;
        this.childStart = childStart;
        this.childClass = childClass;
        this.childCode = childCode;
        this.depth = depth;
        this.longestMatch = longestMatch;
    }

    public int StateCount => depth.Length;

    public ReadOnlySpan<byte> ByteClass => byteClass;

    public ReadOnlySpan<int> Dense => dense;

    /// <summary>Codes below this are dense rows: the next code is <c>Dense[code + class]</c>.</summary>
    public int DenseLimit => dense.Length;

    public int Depth(int code) => depth[StateOf(code)];

    public int LongestMatch(int code) => longestMatch[StateOf(code)];

    /// <summary>The transition from a sparse state (code ≥ <see cref="DenseLimit"/>): a trie edge, else via the failure link.</summary>
    public int NextFromSparse(int code, int byteClassOfInput)
    {
        var state = StateOf(code);
        while (state >= denseStates)
        {
            for (var edge = childStart[state]; edge < childStart[state + 1]; edge++)
            {
                if (childClass[edge] == byteClassOfInput) return childCode[edge];
            }
            state = fail[state];
        }
        return dense[state * classCount + byteClassOfInput];
    }

    private int StateOf(int code) => code < dense.Length ? code / classCount : code - dense.Length + denseStates;

    /// <param name="patterns">Non-empty, distinct byte patterns.</param>
    public static PatternAutomaton Build(IReadOnlyList<byte[]> patterns)
    {
        var byteClass = ByteClasses(patterns, out var classCount);
        var trie = Trie.Build(patterns, byteClass);
        var count = trie.Depth.Count;
        var denseStates = Math.Clamp(DenseEntryBudget / classCount, 1, count);
        var denseLimit = denseStates * classCount;
        var dense = new int[denseLimit];
        var fail = new int[count];
        var longestMatch = new int[count];

        int Code(int state) =>
            (state < denseStates ? state * classCount : denseLimit + state - denseStates) | (longestMatch[state] > 0 ? MatchFlag : 0);

        int StateOfCode(int code)
        {
            code &= CodeMask;
            return code < denseLimit ? code / classCount : code - denseLimit + denseStates;
        }

        int Next(int state, byte cls)
        {
            while (state >= denseStates)
            {
                for (var edge = trie.ChildStart[state]; edge < trie.ChildStart[state + 1]; edge++)
                {
                    if (trie.ChildClass[edge] == cls) return trie.ChildTarget[edge];
                }
                state = fail[state];
            }
            return StateOfCode(dense[state * classCount + cls]);
        }

        // Breadth-first (trie ids are already in that order): a state's failure link is shallower, so its
        // transitions and its longest match are known when the state is reached.
        for (var state = 0; state < count; state++)
        {
            var firstEdge = trie.ChildStart[state];
            var endEdge = trie.ChildStart[state + 1];
            for (var edge = firstEdge; edge < endEdge; edge++)
            {
                var child = trie.ChildTarget[edge];
                var childFail = state == 0 ? 0 : Next(fail[state], trie.ChildClass[edge]);
                fail[child] = childFail;
                longestMatch[child] = trie.Terminal[child] ? trie.Depth[child] : longestMatch[childFail];
            }
            if (state < denseStates)
            {
                var row = state * classCount;
                if (state > 0) Array.Copy(dense, fail[state] * classCount, dense, row, classCount);
                for (var edge = firstEdge; edge < endEdge; edge++)
                    dense[row + trie.ChildClass[edge]] = Code(trie.ChildTarget[edge]);
            }
        }

        return new PatternAutomaton(byteClass, classCount, denseStates, dense, fail,
            [.. trie.ChildStart], [.. trie.ChildClass], [.. trie.ChildTarget.Select(Code)], [.. trie.Depth], longestMatch);
    }

    /// <summary>Class 0 for every byte in no pattern, 1.. for the others; the identity if all 256 values occur.</summary>
    private static byte[] ByteClasses(IReadOnlyList<byte[]> patterns, out int classCount)
    {
        var used = new bool[256];
        foreach (var pattern in patterns)
            foreach (var value in pattern) used[value] = true;

        var byteClass = new byte[256];
        if (used.All(flag => flag))
        {
            for (var value = 0; value < 256; value++) byteClass[value] = (byte)value;
            classCount = 256;
            return byteClass;
        }
        classCount = 1;
        for (var value = 0; value < 256; value++)
            if (used[value]) byteClass[value] = (byte)classCount++;
        return byteClass;
    }

    /// <summary>The patterns' trie with states numbered breadth-first and edges grouped per state.</summary>
    private sealed class Trie
    {
        public required List<int> Depth { get; init; }
        public required List<bool> Terminal { get; init; }
        public required List<int> ChildStart { get; init; }
        public required List<byte> ChildClass { get; init; }
        public required List<int> ChildTarget { get; init; }

        public static Trie Build(IReadOnlyList<byte[]> patterns, byte[] byteClass)
        {
            // Insertion order ids first, with a dictionary of edges.
            var edges = new Dictionary<long, int>();
            var children = new List<List<(byte Class, int Target)>> { new() };
            var depth = new List<int> { 0 };
            var terminal = new List<bool> { false };
            foreach (var pattern in patterns)
            {
                var state = 0;
                foreach (var value in pattern)
                {
                    var cls = byteClass[value];
                    var key = ((long)state << 8) | cls;
                    if (!edges.TryGetValue(key, out var next))
                    {
                        next = depth.Count;
                        edges.Add(key, next);
                        children[state].Add((cls, next));
                        children.Add([]);
                        depth.Add(depth[state] + 1);
                        terminal.Add(false);
                    }
                    state = next;
                }
                terminal[state] = true;
            }

            // Renumber breadth-first.
            var order = new List<int>(depth.Count) { 0 };
            for (var index = 0; index < order.Count; index++)
                order.AddRange(children[order[index]].Select(edge => edge.Target));
            var renumbered = new int[order.Count];
            for (var index = 0; index < order.Count; index++) renumbered[order[index]] = index;

            var trie = new Trie
            {
                Depth = [.. order.Select(old => depth[old])],
                Terminal = [.. order.Select(old => terminal[old])],
                ChildStart = new List<int>(order.Count + 1),
                ChildClass = new List<byte>(order.Count),
                ChildTarget = new List<int>(order.Count),
            };
            foreach (var old in order)
            {
                trie.ChildStart.Add(trie.ChildClass.Count);
                foreach (var (cls, target) in children[old])
                {
                    trie.ChildClass.Add(cls);
                    trie.ChildTarget.Add(renumbered[target]);
                }
            }
            trie.ChildStart.Add(trie.ChildClass.Count);
            return trie;
        }
    }
}
