using Narwhal.Chaos;

// The chaos suite: experiments against the real local services that check Narwhal's promise.
// What it does and how to read it: bench/README.md, "Chaos suite". Run it through bench/chaos/run.sh.
ChaosOptions options;
try
{
    if (args.Contains("--help") || args.Contains("-h")) { Console.WriteLine(ChaosOptions.Usage); return 0; }
    options = ChaosOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"chaos: {ex.Message}\n{ChaosOptions.Usage}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var context = new ChaosContext(options, line => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} [chaos] {line}"), options.LogDir, cancel.Token);
var rows = await Suite.RunAsync(context);

Console.WriteLine();
Console.WriteLine(Report.Table(rows));
Console.Write(Report.Details(rows));
var broken = rows.Count(r => !r.PromiseKept);
var notRun = rows.Count(r => r.Error is not null);
Console.WriteLine(broken > 0 ? $"PROMISE BROKEN in {broken} experiment(s): see the violations above."
    : notRun > 0 ? $"promise kept where measured; {notRun} experiment(s) could not run." : "promise kept in every experiment.");
return broken > 0 ? 3 : notRun > 0 ? 1 : 0;
